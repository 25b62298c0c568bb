"""live-check: telemetry samples (weaver JSON, text, OTLP protobuf/JSON) checked against a registry.

`samples` turns every input into weaver's sample tree, `checker` runs weaver's advisors and the Rego
advice policies on it, `report` keeps the statistics and renders the report, `receiver` accepts OTLP
over gRPC and HTTP on loopback, and `positions` places findings on the registry's YAML for editors.
"""
