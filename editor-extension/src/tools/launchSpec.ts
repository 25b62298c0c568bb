/**
 * `node out/tools/launchSpec.js '<json>'`: print what the extension would start, as JSON, using the
 * extension's own builders. Input: `{"settings": {...weavergen.* values}, "env": {...}, "pythonExtension":
 * [...], "workspaceFolder": "..."}`. Output: `{"argv": [...], "source": "...", "initializationOptions": {...},
 * "cli": [...]}` or `{"error": "..."}` (exit 1). Used by tests/test_extension.py.
 */

import * as os from 'node:os';

import { cliBase, serverLaunch } from '../launch';
import { initializationOptions, objectReader, serverSettings } from '../settings';

interface Input {
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  pythonExtension?: string[];
  workspaceFolder?: string;
  platform?: NodeJS.Platform;
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
  };
  process.stdout.write(JSON.stringify(out) + '\n');
  return 0;
}

process.exitCode = main();
