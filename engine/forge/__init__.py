"""Template generation (weaver_forge): weaver.yaml, the MiniJinja environment and filters, jq helpers.

The engine API for callers (the CLI, the BPMN generate workflow):

- `prepare(GenerateOptions) -> GenerateJob`: check and resolve the registry, load weaver.yaml and params,
  build the template context. Never raises: problems are in `job.diagnostics` (`job.ok`: go on or not).
- `render_target(job, entries=None) -> RenderResult`: render every (or the given) `templates[]` entry; pure,
  picklable in and out, so it can run in a process pool; `files` + `diagnostics`.
- `write_outputs(output_dir, files) -> (written, diagnostics)`: atomic writes, only inside `output_dir`.
- `generate(GenerateOptions) -> GenerateReport`: the three composed.
"""

from weavergen.forge.generate import (
    GenerateJob,
    GenerateOptions,
    GenerateReport,
    RenderedFile,
    RenderResult,
    generate,
    prepare,
    render_target,
    write_outputs,
)

__all__ = [
    "GenerateJob",
    "GenerateOptions",
    "GenerateReport",
    "RenderResult",
    "RenderedFile",
    "generate",
    "prepare",
    "render_target",
    "write_outputs",
]
