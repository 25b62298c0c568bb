/**
 * `node out/tools/fixFile.js '<json>'`: the "Apply All Verified Fixes in File" rounds (src/fixAll.ts)
 * against a real server over stdio, without VS Code: the server is started with the launch builder's
 * command line, the document is opened, and each round's edits are applied to the text and sent as
 * didChange; a round settles when the server publishes diagnostics for the new version.
 * Input: `{"env": {...}, "settings": {...}, "workspace": "/ws", "file": "/ws/reg/a.yaml"}`.
 * Output: `{"text": "...", "applied": [...], "rounds": n, "stopped": ..., "diagnostics": [...]}`.
 * Used by tests/test_extension.py.
 */

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { pathToFileURL } from 'node:url';

import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { CodeAction, Command, Diagnostic, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';

import { applyEdits, applyFixRounds } from '../fixAll';
import { serverLaunch } from '../launch';
import { initializationOptions, objectReader, serverSettings } from '../settings';

interface Input {
  env: Record<string, string>;
  settings?: Record<string, unknown>;
  workspace: string;
  file: string;
}

const TIMEOUT_MS = 60_000;

async function main(): Promise<number> {
  const input = JSON.parse(process.argv[2] ?? '{}') as Input;
  const read = objectReader(input.settings ?? {});
  const subs = { workspaceFolder: input.workspace, userHome: os.homedir(), env: input.env };
  const launch = serverLaunch({ serverCommand: read('server.command'), interpreter: read('interpreter'), env: input.env, platform: process.platform, subs });
  if (!launch.ok) {
    throw new Error(launch.message);
  }
  const settings = serverSettings(read, subs);
  const server = spawn(launch.command, launch.args, { cwd: input.workspace, env: input.env, stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = createMessageConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) =>
    params.items.map((item) => (item.section === 'weavergen' ? settings : null)),
  );
  connection.onRequest(() => null); // client/registerCapability, window/workDoneProgress/create
  const published: PublishDiagnosticsParams[] = [];
  const waiters: (() => void)[] = [];
  connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
    published.push(params);
    waiters.splice(0).forEach((wake) => wake());
  });
  connection.listen();

  const uri = pathToFileURL(input.file).href;
  const diagnosticsAt = async (version: number): Promise<Diagnostic[] | undefined> => {
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const found = published.find((p) => p.uri === uri && p.version === version);
      if (found !== undefined) {
        return found.diagnostics;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        return undefined;
      }
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, left);
        waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  };

  const folder = pathToFileURL(input.workspace).href;
  await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: folder,
    workspaceFolders: [{ uri: folder, name: 'ws' }],
    initializationOptions: initializationOptions(settings),
    capabilities: {
      general: { positionEncodings: ['utf-16'] },
      workspace: { configuration: true, workspaceEdit: { documentChanges: true, snippetEditSupport: true } },
      textDocument: { publishDiagnostics: { versionSupport: true }, codeAction: { isPreferredSupport: true } },
    },
  });
  await connection.sendNotification('initialized', {});
  let text = readFileSync(input.file, 'utf8');
  let version = 1;
  await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version, text } });
  if ((await diagnosticsAt(version)) === undefined) {
    throw new Error('no diagnostics for the opened document');
  }
  const result = await applyFixRounds(uri, {
    request: async () => {
      const lines = text.split('\n');
      const end = { line: lines.length - 1, character: lines[lines.length - 1].length };
      const actions = await connection.sendRequest<(CodeAction | Command)[] | null>('textDocument/codeAction', {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end },
        context: { diagnostics: [], only: ['quickfix'] },
      });
      return actions ?? [];
    },
    apply: async (edits) => {
      text = applyEdits(text, edits);
      version += 1;
      await connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
      return true;
    },
    settle: async () => (await diagnosticsAt(version)) !== undefined,
  });
  const diagnostics = (await diagnosticsAt(version)) ?? [];
  await connection.sendRequest('shutdown');
  await connection.sendNotification('exit');
  connection.dispose();
  process.stdout.write(JSON.stringify({ text, ...result, diagnostics: diagnostics.map((d) => d.code) }) + '\n');
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
