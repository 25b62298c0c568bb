"""jq for templates: weaver's `semconv_*` helpers (written here from their documented behaviour) run by jaq.

Every filter of a `weaver.yaml` (`filter`, `when`) is compiled with the helpers below as a prelude and run
on the key-sorted template schema. Parameters are visible as `$params` and as `$<name>` each.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import jaq

# Our own jq implementation of weaver's semconv helpers (`defaults/jq/semconv.jq` behaviour, see
# docs/generate.md): options, stability expansion, filters, root namespaces and sorting.
SEMCONV_PRELUDE = r"""
def _wg_opt($o; $k): if ($o | type) == "object" then $o[$k] else null end;
def _wg_has($o; $k): ($o | type) == "object" and ($o | has($k));
def _wg_v2($o): _wg_has($o; "v2") and $o.v2 == true;
def _wg_in($list; $v): any($list[]; . == $v);
def expand_stability:
  if any(.[]; . == "experimental")
  then . + ["development", "alpha", "beta", "release_candidate", "", null] else . end;
def _wg_has_members: (.type | type) == "object" and (.type | has("members"));
def _wg_members(f): if _wg_has_members then .type.members |= map(select(f)) else . end;
def stability_filter($o):
  (if _wg_opt($o; "stable_only")
   then map(select(.stability == "stable") | _wg_members(.stability == "stable"))
   else . end)
  | (if _wg_has($o; "exclude_stability")
     then ($o.exclude_stability | expand_stability) as $ex
       | map(select(_wg_in($ex; .stability) | not) | _wg_members(_wg_in($ex; .stability) | not))
     else . end);
def _wg_codegen_keep: ((.annotations | if type == "object" then .code_generation else null end)
  | if type == "object" then .exclude else null end) as $x | ($x == null or $x == false);
def code_generation_exclude_filter($o):
  if _wg_has($o; "ignore_code_generation_annotations") then .
  else map(select(_wg_codegen_keep) | _wg_members(_wg_codegen_keep)) end;
def deprecated_filter($o):
  if _wg_opt($o; "exclude_deprecated") == true
  then map(select(has("deprecated") | not) | _wg_members(has("deprecated") | not))
  else . end;
def _wg_item_filters($o): stability_filter($o) | code_generation_exclude_filter($o) | deprecated_filter($o);
def _wg_root_filter($o):
  if _wg_has($o; "exclude_root_namespace")
  then $o.exclude_root_namespace as $ns | map(select(_wg_in($ns; .root_namespace) | not))
  else . end;
def get_attribute_name_or_key: if has("name") then .name else .key end;
def get_metric_name: if has("metric_name") then .metric_name else .name end;
def get_id($signal):
  if $signal == "metric" or $signal == "event" then .name else .type end;
def semconv_attributes($o):
  (if _wg_v2($o)
   then [(.registry.attributes // [])[] | . + {root_namespace: (.key | split(".") | .[0])}]
   else [.groups[]
         | select(.type == "attribute_group" and (.id | startswith("registry.")))
         | (.attributes // [])[]
         | . + {root_namespace:
                (if (.name | contains(".")) then (.name | split(".") | .[0]) else "other" end)}]
   end)
  | _wg_item_filters($o) | _wg_root_filter($o)
  | sort_by([.root_namespace, get_attribute_name_or_key]);
def semconv_attributes: semconv_attributes({});
def semconv_group_attributes_by_root_namespace:
  group_by(.root_namespace)
  | map({root_namespace: .[0].root_namespace, attributes: sort_by(get_attribute_name_or_key)});
def semconv_grouped_attributes($o): semconv_attributes($o) | semconv_group_attributes_by_root_namespace;
def semconv_grouped_attributes: semconv_grouped_attributes({});
def signal_filter($signal):
  [.groups[]
   | select(if ($signal | contains("resource")) then .type == "entity" else .type == $signal end)
   | . + {root_namespace: (if (.id | contains(".")) then (.id | split(".") | .[1]) else "other" end)}];
def signal_filter_v2($signal):
  ({"entity": "entities", "metric": "metrics", "span": "spans", "event": "events"}[$signal]) as $section
  | if $section == null then .registry[]
    else [(.registry[$section] // [])[]
          | . + {root_namespace: (get_id($signal) | split(".") | .[0])}] end;
def semconv_signal($signal; $o):
  (if _wg_v2($o) then signal_filter_v2($signal) else signal_filter($signal) end)
  | _wg_item_filters($o)
  | map(if .attributes == null then .attributes = null else .attributes |= _wg_item_filters($o) end)
  | _wg_root_filter($o)
  | sort_by(.root_namespace);
def semconv_metrics($o): semconv_signal("metric"; $o) | sort_by(get_metric_name);
def semconv_metrics: semconv_metrics({});
def semconv_group_metrics_by_root_namespace:
  group_by(.root_namespace) | map({root_namespace: .[0].root_namespace, metrics: sort_by(get_metric_name)});
def semconv_grouped_metrics($o): semconv_metrics($o) | semconv_group_metrics_by_root_namespace;
def semconv_grouped_metrics: semconv_grouped_metrics({});
def semconv_spans($o): semconv_signal("span"; $o) | sort_by(.type);
def semconv_spans: semconv_spans({});
def semconv_group_spans_by_root_namespace:
  group_by(.root_namespace) | map({root_namespace: .[0].root_namespace, spans: sort_by(.type)});
def semconv_grouped_spans($o): semconv_spans($o) | semconv_group_spans_by_root_namespace;
def semconv_grouped_spans: semconv_grouped_spans({});
def semconv_events($o): semconv_signal("event"; $o) | sort_by(.name);
def semconv_events: semconv_events({});
def semconv_group_events_by_root_namespace:
  group_by(.root_namespace) | map({root_namespace: .[0].root_namespace, events: sort_by(.name)});
def semconv_grouped_events($o): semconv_events($o) | semconv_group_events_by_root_namespace;
def semconv_grouped_events: semconv_grouped_events({});
def semconv_entities($o): semconv_signal("entity"; $o) | sort_by(.type);
def semconv_entities: semconv_entities({});
def semconv_group_entities_by_root_namespace:
  group_by(.root_namespace) | map({root_namespace: .[0].root_namespace, entities: sort_by(.type)});
def semconv_grouped_entities($o): semconv_entities($o) | semconv_group_entities_by_root_namespace;
def semconv_grouped_entities: semconv_grouped_entities({});
"""

PRELUDE_LINES = SEMCONV_PRELUDE.count("\n")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class JqError(Exception):
    """A jq filter failed to compile or run; the message is jaq's, prefixed as weaver does."""


def jq_variables(params: dict[str, Any], with_params: bool = True) -> dict[str, Any]:
    """The jq variables of a run: `$params` (generate only) and `$<name>` for every identifier-like param."""
    out = {k: v for k, v in params.items() if _IDENT.match(k) and k != "params"}
    if with_params:
        out["params"] = {k: v for k, v in params.items() if k != "params"}
    return out


@lru_cache(maxsize=256)
def _compile(code: str, names: tuple[str, ...]) -> Any:
    return jaq.compile(SEMCONV_PRELUDE + "\n" + code, vars=list(names))


def run_jq(code: str, value: Any, variables: dict[str, Any]) -> Any:
    """Run `code` on `value`: one output is the result, zero or several outputs become an array."""
    names = tuple(sorted(variables))
    try:
        outputs = _compile(code, names).run(value, vars=variables)
    except jaq.JaqError as exc:
        raise JqError(f"Filter '{code.strip()}' failed: {exc}") from None
    return outputs[0] if len(outputs) == 1 else outputs
