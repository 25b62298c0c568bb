# Naming policy of the shop registry. weaver (and weavergen) load every `*.rego` file found under the
# registry directory, so this policy runs on every `registry check` of this registry.
#
# Stage `after_resolution`: the input is the resolved registry. Without `--v2` that is the v1 template
# schema `{registry_url, groups: [...]}`; with `--v2` it is the materialized registry
# `{schema_url, registry: {metrics: [...], ...}, ...}`. Each rule below has one body per shape, so the
# policy gives the same findings either way.
package after_resolution

import rego.v1

namespace := "shop."

# Metrics (v1 groups of type metric, including refinements, which inherit the metric name).
metric_names contains name if {
	some group in input.groups
	group.type == "metric"
	name := group.metric_name
}

# Metrics (v2 materialized registry).
metric_names contains name if {
	some metric in input.registry.metrics
	name := metric.name
}

# Every metric belongs to the shop's namespace, so dashboards can select the shop's metrics with one prefix.
deny contains finding if {
	some name in metric_names
	not startswith(name, namespace)
	finding := {
		"id": "shop_metric_namespace",
		"level": "violation",
		"message": sprintf("Metric '%s' must be named under the '%s' namespace.", [name, namespace]),
		"context": {"namespace": namespace},
		"signal_type": "metric",
		"signal_name": name,
	}
}

metric_briefs contains [name, brief] if {
	some group in input.groups
	group.type == "metric"
	name := group.metric_name
	brief := trim(group.brief, " \n")
}

metric_briefs contains [name, brief] if {
	some metric in input.registry.metrics
	name := metric.name
	brief := trim(metric.brief, " \n")
}

# Metric briefs are sentences: generated docs and code comments print them as-is.
deny contains finding if {
	some [name, brief] in metric_briefs
	not endswith(brief, ".")
	finding := {
		"id": "shop_metric_brief_period",
		"level": "violation",
		"message": sprintf("The brief of metric '%s' must end with a period (.).", [name]),
		"context": {"brief": brief},
		"signal_type": "metric",
		"signal_name": name,
	}
}
