/**
 * `node out/tools/launchSpec.js '<json>'`: print what the extension would start, as JSON, using the
 * extension's own builders. Input: `{"settings": {...weavergen.* values}, "env": {...}, "pythonExtension":
 * [...], "workspaceFolder": "..."}`. Output: `{"argv": [...], "source": "...", "initializationOptions": {...},
 * "cli": [...], "probe": [...], "problem": "...", "commands": {...the palette commands' command lines}}` or
 * `{"error": "..."}` (exit 1). Used by tests/test_extension.py.
 */

import { spawnSync } from 'node:child_process';
import * as os from 'node:os';

import { checkCommand, generateCommand, parseWorkflowList, spansCommand, workflowListCommand, workflowShowCommand } from '../cli';
import { cliBase, explainProbe, probeCommand, serverLaunch } from '../launch';
import { initializationOptions, objectReader, serverSettings } from '../settings';

interface Input {
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  pythonExtension?: string[];
  workspaceFolder?: string;
  platform?: NodeJS.Platform;
  /** Also run the interpreter probe the extension runs before starting `python -m weavergen.server`. */
  probe?: boolean;
  /** Also build the palette commands' command lines for this registry folder. */
  registry?: string;
  /** The stdout of `weavergen workflow list`, parsed as the Show Workflow command does. */
  workflowList?: string;
  /** The workflow to build the `workflow show` line for. */
  workflow?: string;
  /** Target, templates and output for the `registry generate` line. */
  generate?: { target: string; templates: string; output: string };
}

function main(): number {
  const input = JSON.parse(process.argv[2] ?? '{}') as Input;
  const read = objectReader(input.settings ?? {});
  const subs = { workspaceFolder: input.workspaceFolder, userHome: os.homedir(), env: input.env ?? {} };
  const launch = serverLaunch({
    serverCommand: read('server.command'),
    interpreter: read('interpreter'),
    pythonExtension: input.pythonExtension,
    env: input.env ?? {},
    platform: input.platform ?? process.platform,
    subs,
  });
  if (!launch.ok) {
    process.stdout.write(JSON.stringify({ error: launch.message }) + '\n');
    return 1;
  }
  const out = {
    argv: [launch.command, ...launch.args],
    source: launch.source,
    initializationOptions: initializationOptions(serverSettings(read, subs)),
    cli: cliBase(launch),
    probe: probeCommand(launch),
    problem: undefined as string | null | undefined,
  };
  if (input.probe === true && out.probe !== undefined) {
    const run = spawnSync(out.probe[0], out.probe.slice(1), { encoding: 'utf8', env: input.env, timeout: 60_000 });
    const spawnError = run.error !== undefined ? ((run.error as NodeJS.ErrnoException).code ?? run.error.message) : undefined;
    out.problem = explainProbe(launch, { code: run.status, stdout: run.stdout ?? '', stderr: run.stderr ?? '', spawnError }) ?? null;
  }
  const settings = serverSettings(read, subs);
  const base = cliBase(launch);
  const extra: Record<string, unknown> = {};
  if (input.registry !== undefined) {
    extra.check = checkCommand(base, input.registry, settings);
    if (input.generate !== undefined) {
      const g = input.generate;
      extra.generate = generateCommand(base, g.target, input.registry, g.templates, g.output, settings);
    }
  }
  extra.workflowListCommand = workflowListCommand(base);
  extra.spans = { mermaid: spansCommand(base, 'mermaid'), tree: spansCommand(base, 'tree') };
  if (input.workflow !== undefined) {
    extra.workflowShow = workflowShowCommand(base, input.workflow);
  }
  if (input.workflowList !== undefined) {
    extra.workflows = parseWorkflowList(input.workflowList);
  }
  process.stdout.write(JSON.stringify({ ...out, commands: extra }) + '\n');
  return 0;
}

process.exitCode = main();
