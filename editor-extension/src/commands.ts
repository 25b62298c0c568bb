/** The palette commands: each runs the CLI (or asks the server) and shows the result. */

import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import * as vscode from 'vscode';
import { CodeActionKind, CodeActionRequest, ExecuteCommandRequest } from 'vscode-languageclient/node';

import {
  CHECK_COMMAND,
  checkCommand,
  checkMessage,
  displayCommand,
  generateCommand,
  parseWorkflowList,
  readServerCheck,
  spansCommand,
  templateTargets,
  workflowListCommand,
  workflowShowCommand,
} from './cli';
import type { Runtime } from './extension';
import { applyFixRounds } from './fixAll';
import { INSTALL_COMMAND, INSTALL_FROM_CHECKOUT } from './launch';
import { isRegistryManifest, outermostRegistries, registryOf } from './registry';
import { makeNonce, mermaidHtml } from './webview';

const SETTLE_TIMEOUT_MS = 5000;

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function folderFor(uri?: vscode.Uri): vscode.WorkspaceFolder | undefined {
  return (uri && vscode.workspace.getWorkspaceFolder(uri)) ?? vscode.workspace.workspaceFolders?.[0];
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Run the CLI with a progress notification; its output goes to the commands channel. */
function run(runtime: Runtime, argv: string[], cwd: string | undefined, title: string): Promise<RunResult> {
  const log = runtime.runLog;
  log.appendLine(`$ ${displayCommand(argv)}`);
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) => {
      return new Promise<RunResult>((resolve) => {
        const child = cp.spawn(argv[0], argv.slice(1), { cwd, env: process.env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
          log.append(chunk.toString('utf8'));
        });
        token.onCancellationRequested(() => child.kill());
        child.on('error', (error) => {
          log.appendLine(`could not run ${argv[0]}: ${error.message}`);
          void vscode.window.showErrorMessage(
            `weavergen: could not run \`${argv[0]}\` (${error.message}). Install weavergen: \`${INSTALL_COMMAND}\` (from a checkout: \`${INSTALL_FROM_CHECKOUT}\`).`,
          );
          resolve({ code: null, stdout, stderr });
        });
        child.on('close', (code) => {
          log.appendLine(`(exit code ${code ?? 'none'})`);
          resolve({ code, stdout, stderr });
        });
      });
    }),
  );
}

/** The registry to run a command on: the active file's, the setting's, or the workspace's. */
async function pickRegistry(runtime: Runtime): Promise<{ registry: string; folder?: vscode.WorkspaceFolder } | undefined> {
  const active = vscode.window.activeTextEditor?.document.uri;
  const folder = folderFor(active);
  if (active?.scheme === 'file') {
    const owner = registryOf(active.fsPath, readText);
    if (owner !== undefined) {
      return { registry: owner, folder };
    }
  }
  const configured = runtime.settings(folder).registryPath;
  if (configured !== undefined) {
    return { registry: folder !== undefined ? path.resolve(folder.uri.fsPath, configured) : configured, folder };
  }
  const manifests = await vscode.workspace.findFiles('**/{manifest,registry_manifest}.yaml', '**/node_modules/**', 200);
  const registries = outermostRegistries(manifests.map((u) => u.fsPath).filter((f) => isRegistryManifest(f, readText(f))));
  if (registries.length === 0) {
    void vscode.window.showErrorMessage('weavergen: no registry found (a folder with a manifest.yaml); set `weavergen.registryPath`.');
    return undefined;
  }
  const registry =
    registries.length === 1
      ? registries[0]
      : await vscode.window.showQuickPick(registries, { placeHolder: 'Which registry?' });
  return registry !== undefined ? { registry, folder: folderFor(vscode.Uri.file(registry)) } : undefined;
}

/**
 * Check the registry as the editor shows it, unsaved edits included: the language server runs the check
 * workflow on its copy of the files. False when the server is not running or does not hold the registry.
 */
async function checkInServer(runtime: Runtime, registry: string): Promise<boolean> {
  const client = runtime.client();
  if (client === undefined || !client.isRunning()) {
    return false;
  }
  runtime.runLog.appendLine(`$ weavergen registry check -r ${registry}   (in the language server, unsaved edits included)`);
  // The versions the editor shows: the server waits for the last keystrokes before it checks.
  const versions = Object.fromEntries(
    vscode.workspace.textDocuments
      .filter((d) => d.uri.scheme === 'file' && d.languageId === 'yaml')
      .map((d) => [client.code2ProtocolConverter.asUri(d.uri), d.version]),
  );
  const answer: unknown = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'weavergen: checking the registry' },
    () => client.sendRequest(ExecuteCommandRequest.type, { command: CHECK_COMMAND, arguments: [registry, versions] }),
  );
  const result = readServerCheck(answer);
  if (result === undefined) {
    return false;
  }
  runtime.runLog.appendLine(result.text);
  runtime.runLog.show(true);
  const message = checkMessage(path.basename(registry), result.errors, result.warnings, true);
  void (result.errors === 0 ? vscode.window.showInformationMessage(message) : vscode.window.showWarningMessage(message));
  return true;
}

async function runCheck(runtime: Runtime): Promise<void> {
  const picked = await pickRegistry(runtime);
  if (picked === undefined || (await checkInServer(runtime, picked.registry))) {
    return;
  }
  const base = await runtime.cli(picked.folder);
  if (base === undefined) {
    return;
  }
  // No server holds this registry: the CLI checks the files on disk.
  const argv = checkCommand(base, picked.registry, runtime.settings(picked.folder));
  const result = await run(runtime, argv, picked.folder?.uri.fsPath, 'weavergen: checking the registry');
  runtime.runLog.append(result.stdout);
  runtime.runLog.show(true);
  if (result.code === 0) {
    void vscode.window.showInformationMessage(checkMessage(path.basename(picked.registry), 0, 0, false));
  } else if (result.code !== null) {
    void vscode.window.showWarningMessage(`weavergen: ${path.basename(picked.registry)} has errors; see the output.`);
  }
}

function listDirs(dir: string): string[] | undefined {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return undefined;
  }
}

async function runGenerate(runtime: Runtime): Promise<void> {
  const picked = await pickRegistry(runtime);
  const base = picked && (await runtime.cli(picked.folder));
  if (picked === undefined || base === undefined) {
    return;
  }
  const settings = runtime.settings(picked.folder);
  const root = picked.folder?.uri.fsPath ?? path.dirname(picked.registry);
  const templates = path.resolve(root, settings.templates);
  const output = path.resolve(root, settings.output);
  const targets = templateTargets(listDirs, templates);
  const target =
    targets.length > 0
      ? await vscode.window.showQuickPick(targets, { placeHolder: `Target to generate (templates in ${templates})` })
      : await vscode.window.showInputBox({ prompt: `Target to generate (no target folders found in ${templates})` });
  if (!target) {
    return;
  }
  const argv = generateCommand(base, target, picked.registry, templates, output, settings);
  const result = await run(runtime, argv, root, `weavergen: generating ${target}`);
  runtime.runLog.append(result.stdout);
  if (result.code === 0) {
    void vscode.window.showInformationMessage(`weavergen: generated ${target} into ${output}.`);
  } else if (result.code !== null) {
    runtime.runLog.show(true);
    void vscode.window.showErrorMessage(`weavergen: generating ${target} failed; see the output.`);
  }
}

function showMermaid(runtime: Runtime, title: string, diagram: string, details?: string): void {
  const media = vscode.Uri.joinPath(runtime.context.extensionUri, 'dist', 'media');
  const panel = vscode.window.createWebviewPanel('weavergen.mermaid', title, vscode.ViewColumn.Beside, {
    enableScripts: true,
    localResourceRoots: [media],
  });
  const kind = vscode.window.activeColorTheme.kind;
  panel.webview.html = mermaidHtml({
    title,
    diagram,
    details,
    mermaidUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(media, 'mermaid.min.js')).toString(),
    cspSource: panel.webview.cspSource,
    nonce: makeNonce(),
    dark: kind === vscode.ColorThemeKind.Dark || kind === vscode.ColorThemeKind.HighContrast,
  });
}

async function showWorkflow(runtime: Runtime): Promise<void> {
  const folder = folderFor(vscode.window.activeTextEditor?.document.uri);
  const base = await runtime.cli(folder);
  if (base === undefined) {
    return;
  }
  const cwd = folder?.uri.fsPath;
  const listed = await run(runtime, workflowListCommand(base), cwd, 'weavergen: listing workflows');
  const workflows = parseWorkflowList(listed.stdout);
  if (listed.code !== 0 || workflows.length === 0) {
    void vscode.window.showErrorMessage('weavergen: could not list the workflows; see the output.');
    return;
  }
  const choice = await vscode.window.showQuickPick(
    workflows.map((w) => ({ label: w.id, description: w.name, detail: w.origin })),
    { placeHolder: 'Workflow to show' },
  );
  if (choice === undefined) {
    return;
  }
  const shown = await run(runtime, workflowShowCommand(base, choice.label), cwd, `weavergen: drawing ${choice.label}`);
  if (shown.code !== 0) {
    runtime.runLog.show(true);
    void vscode.window.showErrorMessage(`weavergen: could not draw ${choice.label}; see the output.`);
    return;
  }
  showMermaid(runtime, `Workflow ${choice.label}`, shown.stdout);
}

/** The spans of the last workflow run on this project's registry (never another project's run). */
async function showSpans(runtime: Runtime): Promise<void> {
  const picked = await pickRegistry(runtime);
  const base = picked && (await runtime.cli(picked.folder));
  if (picked === undefined || base === undefined) {
    return;
  }
  const cwd = picked.folder?.uri.fsPath;
  const gantt = await run(runtime, spansCommand(base, 'mermaid', picked.registry), cwd, 'weavergen: reading the last run');
  if (gantt.code !== 0) {
    runtime.runLog.show(true);
    void vscode.window.showWarningMessage(
      `weavergen: no recorded run on ${path.basename(picked.registry)} yet (run a check or a generate first); see the output.`,
    );
    return;
  }
  const tree = await run(runtime, spansCommand(base, 'tree', picked.registry), cwd, 'weavergen: reading the last run');
  showMermaid(runtime, `Spans of the last run on ${path.basename(picked.registry)}`, gantt.stdout, tree.code === 0 ? tree.stdout : undefined);
}

/**
 * Wait for the diagnostics of a document to change after the server re-checked it. The re-check starts
 * `quietMs` (the debounce) after the edit, so changes before that (an "unchanged" pull, a late policy
 * result) are not it and are ignored.
 */
function nextDiagnostics(uri: vscode.Uri, quietMs: number, timeoutMs: number): Promise<boolean> {
  const notBefore = Date.now() + quietMs;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      sub.dispose();
      resolve(false);
    }, timeoutMs);
    const sub = vscode.languages.onDidChangeDiagnostics((event) => {
      if (Date.now() >= notBefore && event.uris.some((u) => u.toString() === uri.toString())) {
        clearTimeout(timer);
        sub.dispose();
        resolve(true);
      }
    });
  });
}

async function applyAllFixes(runtime: Runtime): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const client = runtime.client();
  if (editor === undefined || editor.document.languageId !== 'yaml') {
    void vscode.window.showInformationMessage('weavergen: open a registry YAML file first.');
    return;
  }
  if (client === undefined || !client.isRunning()) {
    void vscode.window.showErrorMessage('weavergen: the language server is not running; run "weavergen: Restart Server".');
    return;
  }
  const document = editor.document;
  const uri = document.uri.toString();
  const debounceMs = runtime.settings(folderFor(document.uri)).debounceMs;
  let version = document.version;
  let settled: Promise<boolean> = Promise.resolve(true);
  const result = await applyFixRounds(uri, {
    request: async () => {
      version = document.version;
      const end = document.lineAt(Math.max(document.lineCount - 1, 0)).range.end;
      const actions = await client.sendRequest(CodeActionRequest.type, {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end: { line: end.line, character: end.character } },
        context: { diagnostics: [], only: [CodeActionKind.QuickFix] },
      });
      return actions ?? [];
    },
    apply: async (edits) => {
      if (document.version !== version) {
        return false; // edited while the server computed the fixes: their positions are stale
      }
      const edit = new vscode.WorkspaceEdit();
      edit.set(document.uri, edits.map((e) => new vscode.TextEdit(client.protocol2CodeConverter.asRange(e.range), e.newText)));
      const changed = nextDiagnostics(document.uri, debounceMs, debounceMs + SETTLE_TIMEOUT_MS);
      const ok = await vscode.workspace.applyEdit(edit);
      settled = changed;
      return ok;
    },
    settle: () => settled,
  });
  const count = result.applied.length;
  const why =
    result.stopped === 'timeout'
      ? ' The server did not re-check in time; run the command again.'
      : result.stopped === 'refused'
        ? ' The file changed meanwhile; run the command again.'
        : result.stopped === 'max-rounds'
          ? ' More fixes are left after five rounds; run the command again.'
          : '';
  const message = count === 0 ? 'weavergen: no fixes to apply in this file.' : `weavergen: applied ${count} fix(es) in ${result.rounds} round(s).`;
  runtime.runLog.appendLine(`${message}${why}${count > 0 ? `\n  ${result.applied.join('\n  ')}` : ''}`);
  void vscode.window.showInformationMessage(message + why);
}

export function registerCommands(runtime: Runtime): void {
  const register = (id: string, fn: () => Promise<void> | void): vscode.Disposable =>
    vscode.commands.registerCommand(id, async () => {
      try {
        await fn();
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        runtime.runLog.appendLine(`${id} failed: ${text}`);
        void vscode.window.showErrorMessage(`weavergen: ${text}`);
      }
    });
  runtime.context.subscriptions.push(
    register('weavergen.restartServer', () => runtime.restart()),
    register('weavergen.runCheck', () => runCheck(runtime)),
    register('weavergen.runGenerate', () => runGenerate(runtime)),
    register('weavergen.showWorkflow', () => showWorkflow(runtime)),
    register('weavergen.showLastRunSpans', () => showSpans(runtime)),
    register('weavergen.applyAllFixes', () => applyAllFixes(runtime)),
    register('weavergen.showServerLog', () => runtime.serverLog.show(true)),
  );
}
