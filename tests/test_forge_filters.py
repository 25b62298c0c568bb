"""weaver's filters, tests and jq helpers, checked on the examples of weaver's own unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from weavergen.forge.config import ForgeConfig
from weavergen.forge.jq import JqError, jq_variables, run_jq
from weavergen.forge.render import TemplateProblem, environment, render_source

CASES = [
    ("lower_case", "ThisIsATest", "this is a test"),
    ("lower_case", "This is a K8S TEST", "this is a k8s test"),
    ("upper_case", "v8js.heap.space.name", "V8JS HEAP SPACE NAME"),
    ("upper_case", "host.cpu.cache.l2.size", "HOST CPU CACHE L2 SIZE"),
    ("title_case", "ThisIsATest", "This Is A Test"),
    ("title_case", "This is a k8s TEST", "This Is A K8s Test"),
    ("pascal_case", "v8js.heap.space.name", "V8jsHeapSpaceName"),
    ("pascal_case", "HTTP.request.resend_count", "HttpRequestResendCount"),
    ("pascal_case", "this IS an ios device with a nice api!", "ThisIsAnIosDeviceWithANiceApi!"),
    ("camel_case", "k8s.job.name", "k8sJobName"),
    ("camel_case", "nodejs.eventloop.delay.p99", "nodejsEventloopDelayP99"),
    ("snake_case", "registry.data.registry.registry-http", "registry_data_registry_registry_http"),
    ("snake_case", "XMLHttpRequest", "xml_http_request"),
    ("snake_case", "a..b", "a__b"),
    ("screaming_snake_case", "k8s.job.name", "K8S_JOB_NAME"),
    ("kebab_case", "This is 2 K8S test", "this-is-2-k8s-test"),
    ("screaming_kebab_case", "http.request.resend_count", "HTTP-REQUEST-RESEND-COUNT"),
    ("camel_case", "_private_field", "PrivateField"),
    ("capitalize_first", "hello world", "Hello world"),
    ("screaming_snake_case_const", "messaging.client_id", "MESSAGING_CLIENTID"),
    ("pascal_case_const", "messaging.client.id", "MessagingClientId"),
    ("kebab_case_const", "messaging.client_id", "messaging-clientid"),
]


def render(template: str, config: ForgeConfig | None = None, **values: object) -> str:
    env = environment(Path("."), config or ForgeConfig())
    return render_source(env, None, template, dict(values), None)


@pytest.mark.parametrize(("name", "value", "expected"), CASES)
def test_case_filters(name: str, value: str, expected: str) -> None:
    assert render(f"{{{{ v | {name} }}}}", v=value) == expected


def test_case_filter_on_a_number_is_a_diagnostic() -> None:
    with pytest.raises(TemplateProblem) as err:
        render("{{ 123 | pascal_case_const }}")
    assert "value is not a string" in err.value.diagnostic.message


def test_values_print_as_weaver_prints_them() -> None:
    out = render(
        "{{ v }}|{{ v | tojson }}|{{ n }}|{{ 'a' ~ n }}|{{ f }}|{{ m }}|{{ v | attribute_sort | length }}",
        v=[1.0, "a", None, True],
        n=None,
        f=46.18,
        m={"b": 1, "a": [2]},
    )
    assert out == '[1.0, "a", none, true]|[1.0,"a",null,true]|none|anone|46.18|{"a": [2], "b": 1}|4'


def test_floats_stay_floats_through_filters() -> None:
    assert render(
        "{{ v | attribute_sort | map(attribute='examples') | list }}", v=[{"name": "a", "examples": [1.0]}]
    ) == ("[[1.0]]")


def test_pprint_is_rust_pretty_debug() -> None:
    assert render("{{ v | pprint }}", v=[46.18, 1.0]) == "[\n    46.18,\n    1.0,\n]"


def test_loop_set_leaks_into_later_iterations() -> None:
    template = "{% for x in [1, 2] %}{% if loop.first %}{% set y = x %}{% endif %}[{{ y }}]{% endfor %}"
    assert render(template) == "[1][1]"


def test_otel_filters() -> None:
    config = ForgeConfig(text_maps={"rust": {"int": "i64"}}, acronyms=["iOS", "API", "URL"])
    assert render("{{ 'int' | map_text('rust') }}|{{ 12 | map_text('rust') }}|{{ 'x' | map_text('u', 'e') }}",
                  config) == "i64|12|e"  # fmt: skip
    assert render("{{ 'this is an ios device with a nice api!' | acronym }}", config) == (
        "this is an iOS device with a nice API!"
    )
    assert render("{{ 'a.b.c' | split_id | join('/') }}|{{ 'Hello World!' | regex_replace('!', '?') }}") == (
        "a/b/c|Hello World?"
    )
    assert render("{{ 'namespace.sub.id' | attribute_namespace }}|{{ 'x' | attribute_namespace }}") == (
        "namespace|other"
    )
    assert render("{{ 'test' | print_member_value }}|{{ 1 | print_member_value }}|{{ v|print_member_value }}",
                  v=[1]) == '"test"|1|'  # fmt: skip
    members = {"members": [{"value": 1}, {"value": 2.1}]}
    assert render("{{ t | instantiated_type }}|{{ 'template[int]' | instantiated_type }}", t=members) == (
        "string|int"
    )
    order = [
        {"name": "opt.a", "requirement_level": "opt_in"},
        {"name": "rec.a", "requirement_level": {"recommended": "x"}},
        {"name": "req.b", "requirement_level": "required"},
        {"name": "crec.a", "requirement_level": {"conditionally_required": "x"}},
        {"name": "req.a", "requirement_level": "required"},
    ]
    assert render("{{ v | attribute_sort | map(attribute='name') | join(',') }}", v=order) == (
        "req.a,req.b,crec.a,rec.a,opt.a"
    )
    assert render(
        "{% for k, v in m | numsort %}{{ k }}:{{ v }},{% endfor %}", m={"10": 1, "2": 2, "a": 3}
    ) == ("2:2,10:1,a:3,")


def test_tests() -> None:
    item = {"stability": "stable", "deprecated": {"reason": "obsoleted"}, "type": {"members": []}}
    out = render(
        "{{ i is stable }} {{ i is experimental }} {{ i is deprecated }} {{ i is enum }} "
        "{{ 'int[]' is array }} {{ 'template[int]' is template_type }} {{ 'any' is simple_type }}",
        i=item,
    )
    assert out == "true false true true true true false"


def test_comment_with_prefix_and_concat_if() -> None:
    assert render("{{ 'a\nb' | comment_with_prefix('// ') }}") == "// a\n// b"
    assert render("{{ concat_if('x', 1) }}|{{ concat_if('x', u) }}") == "x1|none"


GROUPS = {
    "groups": [
        {"id": "registry.b", "type": "attribute_group", "attributes": [
            {"name": "b.z", "stability": "stable"}, {"name": "b.a", "stability": "development"},
            {"name": "solo", "stability": "stable", "deprecated": {"reason": "obsoleted", "note": "x"}}]},
        {"id": "registry.a", "type": "attribute_group", "attributes": [
            {"name": "a.x", "annotations": {"code_generation": {"exclude": True}}},
            {"name": "a.y", "type": {"members": [{"id": "m1", "stability": "stable"}, {"id": "m2"}]},
             "stability": "stable"}]},
        {"id": "metric.jvm.memory", "type": "metric", "metric_name": "jvm.memory", "stability": "stable"},
        {"id": "metric.http.dur", "type": "metric", "metric_name": "http.dur", "stability": "stable",
         "attributes": [{"name": "a.x", "annotations": {"code_generation": {"exclude": True}}}]},
        {"id": "span.http", "type": "span"},
    ]
}  # fmt: skip


def jq(code: str, params: dict[str, object] | None = None) -> object:
    return run_jq(code, GROUPS, jq_variables(params or {}))


def test_semconv_attributes_sorting_root_namespace_and_filters() -> None:
    names = jq('semconv_attributes | map(.name + ":" + .root_namespace)')
    assert names == ["a.y:a", "b.a:b", "b.z:b", "solo:other"]
    assert jq("semconv_attributes({stable_only: true}) | map(.name)") == ["a.y", "b.z", "solo"]
    assert jq(
        'semconv_attributes({stable_only: true}) | map(select(.name == "a.y")) | .[0].type.members'
    ) == [{"id": "m1", "stability": "stable"}]
    assert jq('semconv_attributes({exclude_stability: ["experimental"]}) | map(.name)') == [
        "a.y",
        "b.z",
        "solo",
    ]
    assert jq("semconv_attributes({exclude_deprecated: true}) | map(.name)") == ["a.y", "b.a", "b.z"]
    assert jq("semconv_attributes({ignore_code_generation_annotations: false}) | map(.name)") == [
        "a.x", "a.y", "b.a", "b.z", "solo"
    ]  # fmt: skip
    assert jq('semconv_attributes({exclude_root_namespace: ["b"]}) | map(.name)') == ["a.y", "solo"]
    grouped = jq(
        'semconv_grouped_attributes | map(.root_namespace + "=" + (.attributes | length | tostring))'
    )
    assert grouped == ["a=1", "b=2", "other=1"]


def test_semconv_signals() -> None:
    metrics = jq("semconv_grouped_metrics")
    assert [(m["root_namespace"], [x["metric_name"] for x in m["metrics"]]) for m in metrics] == [
        ("http", ["http.dur"]),
        ("jvm", ["jvm.memory"]),
    ]
    assert metrics[1]["metrics"][0]["attributes"] is None
    assert (
        metrics[0]["metrics"][0]["attributes"] == []
    )  # code_generation.exclude applies to signal attributes
    assert jq("semconv_spans | map(.root_namespace)") == ["http"]


def test_jq_outputs_and_variables() -> None:
    assert jq("empty") == []
    assert jq(".groups[0].id, .groups[1].id") == ["registry.b", "registry.a"]
    assert jq("$x + $params.x", {"x": 1.5}) == 3.0
    assert jq("1.0") == 1.0 and isinstance(jq("1.0"), float)
    with pytest.raises(JqError):
        jq('error("boom")')


GO = {
    "format": "markdown",
    "prefix": "// ",
    "indent_first_level_list_items": True,
    "shortcut_reference_link": True,
    "trim": True,
    "use_go_style_list_indent": True,
}


def comment(text: str, settings: dict[str, object], **kwargs: object) -> str:
    config = ForgeConfig(comment_formats={"f": settings}, default_comment_format="f")
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return render(f"{{{{ text | comment(format='f'{args}) }}}}", config, text=text)


def test_comment_markdown_lists_are_remarked() -> None:
    text = "it's RECOMMENDED to:\n\n* Use a domain attribute\n* Set `error.type` to capture\n\nAnd more."
    assert comment(text, GO) == (
        "// it's RECOMMENDED to:\n//\n//   - Use a domain attribute\n//   - Set `error.type` to capture"
        "\n//\n// And more."
    )


def test_comment_shortcut_reference_links_are_listed_at_the_end() -> None:
    text = "See [the spec](https://a.example/spec),\nand [Digest](https://a.example/#d)."
    assert comment(text, GO) == (
        "// See [the spec],\n// and [Digest].\n//\n// [the spec]: https://a.example/spec\n"
        "// [Digest]: https://a.example/#d"
    )


def test_comment_word_wrap_counts_prefix_and_keeps_code_whole() -> None:
    text = "In some cases a URL may refer to an IP and/or port directly, see `url.full` for details."
    out = comment(text, {**GO, "word_wrap": {"line_length": 30}})
    assert out.split("\n") == [
        "// In some cases a URL may",
        "// refer to an IP and/or port",
        "// directly, see `url.full`",
        "// for details.",
    ]
    assert all(len(line) <= 30 for line in out.split("\n"))


def test_comment_escape_square_brackets_and_dots() -> None:
    settings = {"format": "markdown", "escape_square_brackets": True, "remove_trailing_dots": True}
    assert comment("In some cases a [URL] may refer to an [IP](http://ip.com)...", settings) == (
        "In some cases a \\[URL\\] may refer to an [IP](http://ip.com)"
    )


def test_comment_javadoc_html() -> None:
    text = "The `error.type` SHOULD be low.\n\nIt's RECOMMENDED to:\n\n"
    text += "* Use a domain attribute\n* Set it\n\nMore."
    javadoc = {
        "format": "html",
        "header": "/**",
        "prefix": " * ",
        "footer": " */",
        "old_style_paragraph": True,
        "omit_closing_li": True,
        "inline_code_snippet": "{@code {{code}}}",
        "remove_trailing_dots": True,
    }
    assert comment(text, javadoc, indent=2) == (
        "/**\n   * The {@code error.type} SHOULD be low.\n   * <p>\n   * It's RECOMMENDED to:\n   * <ul>\n"
        "   *   <li>Use a domain attribute\n   *   <li>Set it\n   * </ul>\n   * <p>\n   * More\n   */"
    )


def test_comment_of_undefined_is_empty_and_unknown_format_is_an_error() -> None:
    assert comment(None, GO) == ""  # type: ignore[arg-type]
    config = ForgeConfig(comment_formats={"f": GO}, default_comment_format="f")
    with pytest.raises(TemplateProblem) as err:
        render("{{ 'x' | comment(format='nope') }}", config)
    assert "Comment format `nope` not found" in err.value.diagnostic.message


def test_prometheus_filters() -> None:
    histogram = {"metric_name": "http.server.request.duration", "unit": "s", "instrument": "histogram"}
    counter = {"metric_name": "system.network.io", "unit": "By", "instrument": "counter"}
    gauge = {"metric_name": "system.cpu.utilization", "unit": "1", "instrument": "gauge"}
    values = {"h": histogram, "c": counter, "g": gauge}
    assert render("{{ 'ms' | prometheus_unit_name }} {{ 'By/s' | prometheus_unit_name }}") == (
        "milliseconds bytes_per_second"
    )
    name = "prometheus_metric_name(translation_strategy='UnderscoreEscapingWithSuffixes')"
    template = f"{{{{ h | {name} }}}} {{{{ c | {name} }}}} {{{{ g | {name} }}}}"
    assert render(template, **values) == (
        "http_server_request_duration_seconds system_network_io_bytes_total system_cpu_utilization_ratio"
    )
    assert render("{{ h | prometheus_metric_name(translation_strategy='NoTranslation') }}", **values) == (
        "http.server.request.duration"
    )
    names = "{{ h | prometheus_metric_names(translation_strategy='UnderscoreEscapingWithoutSuffixes', "
    names += "expand_summary_and_histogram=true) | join(',') }}"
    assert render(names, **values) == (
        "http_server_request_duration_bucket,http_server_request_duration_count,http_server_request_duration_sum"
    )
    with pytest.raises(TemplateProblem):
        render("{{ h | prometheus_metric_name }}", **values)
