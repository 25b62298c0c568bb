/**
 * The VS Code face of weavergen: starts `weavergen lsp` (or `python -m weavergen.server`), forwards the
 * `weavergen.*` settings, restarts on change, and runs the CLI behind the palette commands. The logic
 * lives in the pure modules (settings, launch, cli, registry, fixAll, webview); this file is the glue.
 */

import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as vscode from 'vscode';
import {
  LanguageClient,
  RevealOutputChannelOn,
  State,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';

import { registerCommands } from './commands';
import { cliBase, explainProbe, probeCommand, serverLaunch, startFailureMessage, type Launch, type ProbeResult } from './launch';
import { activeInterpreter, onInterpreterChange } from './python';
import { isDefinitionV2, isRegistryManifest, registryOf } from './registry';
import { affectsServer, initializationOptions, SECTION, serverSettings, type ServerSettings } from './settings';

const RESTART_DELAY_MS = 500;
const YAML_EXTENSION = 'redhat.vscode-yaml';
const SCHEMA_SCHEME = 'weavergen-schema';

/** Everything the commands need from the running extension. */
export interface Runtime {
  context: vscode.ExtensionContext;
  serverLog: vscode.LogOutputChannel;
  runLog: vscode.OutputChannel;
  client(): LanguageClient | undefined;
  restart(): Promise<void>;
  /** The settings the server gets, for a folder. */
  settings(folder?: vscode.WorkspaceFolder): ServerSettings;
  /** How the CLI is started (same environment as the server); undefined after a message was shown. */
  cli(folder?: vscode.WorkspaceFolder): Promise<string[] | undefined>;
}

let client: LanguageClient | undefined;
/** Set once a registry was found: from then on, setting changes (re)start the server. */
let wanted = false;
let restarting: Promise<void> | undefined;

function primaryFolder(): vscode.WorkspaceFolder | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  return (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
}

function substitutions(folder?: vscode.WorkspaceFolder): { workspaceFolder?: string; userHome: string; env: NodeJS.ProcessEnv } {
  return { workspaceFolder: folder?.uri.fsPath, userHome: os.homedir(), env: process.env };
}

function readSettings(folder?: vscode.WorkspaceFolder): ServerSettings {
  const config = vscode.workspace.getConfiguration(SECTION, folder?.uri);
  return serverSettings((key) => config.get(key), substitutions(folder));
}

/** The launch command line: the settings first, the Python extension only when it is needed. */
async function resolveLaunch(folder?: vscode.WorkspaceFolder): Promise<ReturnType<typeof serverLaunch>> {
  const config = vscode.workspace.getConfiguration(SECTION, folder?.uri);
  const input = {
    serverCommand: config.get('server.command'),
    interpreter: config.get('interpreter'),
    env: process.env,
    platform: process.platform,
    subs: substitutions(folder),
  };
  const first = serverLaunch(input);
  if (first.ok && first.source !== 'python-on-path') {
    return first;
  }
  const fromExtension = await activeInterpreter(folder?.uri);
  return fromExtension !== undefined ? serverLaunch({ ...input, pythonExtension: fromExtension }) : first;
}

function probe(argv: string[]): Promise<ProbeResult> {
  return new Promise((resolve) => {
    cp.execFile(argv[0], argv.slice(1), { timeout: 30_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error && typeof (error as NodeJS.ErrnoException).code === 'string' ? null : (error?.code as number | undefined) ?? 0;
      const spawnError = code === null ? (error as NodeJS.ErrnoException).code : undefined;
      resolve({ code, stdout, stderr, spawnError });
    });
  });
}

/** Log and show a problem; does not wait for the user (a restart must not hang on an open notification). */
function showProblem(message: string, log: vscode.OutputChannel): void {
  log.appendLine(message);
  void vscode.window.showErrorMessage(message, 'Open Settings', 'Show Log').then(async (choice) => {
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'weavergen.');
    } else if (choice === 'Show Log') {
      log.show(true);
    }
  });
}

/** A checked launch: the interpreter probed when the server runs as a Python module. */
async function checkedLaunch(log: vscode.OutputChannel, folder?: vscode.WorkspaceFolder): Promise<Launch | undefined> {
  const launch = await resolveLaunch(folder);
  if (!launch.ok) {
    showProblem(launch.message, log);
    return undefined;
  }
  const probeArgv = probeCommand(launch);
  if (probeArgv !== undefined) {
    const problem = explainProbe(launch, await probe(probeArgv));
    if (problem !== undefined) {
      showProblem(problem, log);
      return undefined;
    }
  }
  return launch;
}

async function startServer(runtime: Runtime): Promise<void> {
  await stopServer();
  const folder = primaryFolder();
  const launch = await checkedLaunch(runtime.serverLog, folder);
  if (launch === undefined) {
    return;
  }
  const settings = runtime.settings(folder);
  runtime.serverLog.appendLine(`Starting: ${[launch.command, ...launch.args].join(' ')} (from ${launch.source})`);
  const serverOptions: ServerOptions = {
    command: launch.command,
    args: launch.args,
    options: { cwd: folder?.uri.fsPath, env: process.env },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file', language: 'yaml' }],
    outputChannel: runtime.serverLog,
    traceOutputChannel: runtime.serverLog,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: initializationOptions(settings),
    middleware: {
      workspace: {
        // The server asks for the `weavergen` section; answer with the same mapping as initializationOptions.
        configuration: async (params, token, next) => {
          const fallback: unknown = await next(params, token);
          if (!Array.isArray(fallback)) {
            return fallback as Awaited<ReturnType<typeof next>>;
          }
          return params.items.map((item, index): unknown => {
            if (item.section !== SECTION) {
              return fallback[index];
            }
            const scope = item.scopeUri ? vscode.workspace.getWorkspaceFolder(vscode.Uri.parse(item.scopeUri)) : folder;
            return runtime.settings(scope ?? folder);
          });
        },
      },
    },
  };
  const next = new LanguageClient(SECTION, 'weavergen', serverOptions, clientOptions);
  client = next;
  try {
    await next.start();
  } catch (error) {
    client = undefined;
    const text = error instanceof Error ? error.message : String(error);
    showProblem(startFailureMessage(launch, text), runtime.serverLog);
  }
}

async function stopServer(): Promise<void> {
  const old = client;
  client = undefined;
  if (old !== undefined && old.state !== State.Stopped) {
    try {
      await old.stop(2000);
    } catch {
      // a server that died already cannot be stopped; nothing to do
    }
  }
}

function restartServer(runtime: Runtime): Promise<void> {
  wanted = true;
  // After the previous (re)start, whatever became of it.
  const run = (restarting ?? Promise.resolve()).catch(() => undefined).then(() => startServer(runtime));
  restarting = run.finally(() => {
    if (restarting === run) {
      restarting = undefined;
    }
  });
  return run;
}

function readText(file: string): string | undefined {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
  if (open !== undefined) {
    return open.getText();
  }
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** True when a document is a YAML file inside a registry. */
function inRegistry(document: vscode.TextDocument | undefined): boolean {
  return (
    document !== undefined &&
    document.uri.scheme === 'file' &&
    document.languageId === 'yaml' &&
    registryOf(document.uri.fsPath, readText) !== undefined
  );
}

/** True when some folder of the workspace holds a registry manifest. */
async function workspaceHasRegistry(): Promise<boolean> {
  const manifests = await vscode.workspace.findFiles('**/{manifest,registry_manifest}.yaml', '**/node_modules/**', 50);
  return manifests.some((uri) => isRegistryManifest(uri.fsPath, readText(uri.fsPath)));
}

/** Give Red Hat YAML weaver's v2 schema for files that say `file_format: definition/2`, wherever they are. */
async function contributeSchema(context: vscode.ExtensionContext): Promise<void> {
  const yaml = vscode.extensions.getExtension<{
    registerContributor?(schema: string, request: (resource: string) => string | undefined, content: (uri: string) => string, label?: string): boolean;
  }>(YAML_EXTENSION);
  if (yaml === undefined) {
    return;
  }
  const schemaFile = path.join(context.extensionPath, 'dist', 'definition-v2.schema.json');
  const api = yaml.isActive ? yaml.exports : await yaml.activate();
  api?.registerContributor?.(
    SCHEMA_SCHEME,
    (resource) => {
      const uri = vscode.Uri.parse(resource);
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      const text = doc?.getText() ?? (uri.scheme === 'file' ? readText(uri.fsPath) : undefined);
      return text !== undefined && isDefinitionV2(text) ? `${SCHEMA_SCHEME}://schemas/definition-v2.schema.json` : undefined;
    },
    () => fs.readFileSync(schemaFile, 'utf8'),
    'weaver definition/2',
  );
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const serverLog = vscode.window.createOutputChannel('weavergen', { log: true });
  const runLog = vscode.window.createOutputChannel('weavergen commands');
  context.subscriptions.push(serverLog, runLog);
  const runtime: Runtime = {
    context,
    serverLog,
    runLog,
    client: () => client,
    restart: () => restartServer(runtime),
    settings: readSettings,
    cli: async (folder) => {
      const launch = await checkedLaunch(runLog, folder);
      return launch !== undefined ? cliBase(launch) : undefined;
    },
  };
  registerCommands(runtime);

  let timer: NodeJS.Timeout | undefined;
  const restartSoon = (): void => {
    if (timer !== undefined) {
      clearTimeout(timer);
    }
    timer = setTimeout(() => {
      timer = undefined;
      if (wanted) {
        void runtime.restart();
      }
    }, RESTART_DELAY_MS);
  };
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (affectsServer((section) => event.affectsConfiguration(section))) {
        restartSoon();
      }
    }),
    { dispose: () => timer !== undefined && clearTimeout(timer) },
  );
  const pythonChanges = await onInterpreterChange(restartSoon);
  if (pythonChanges !== undefined) {
    context.subscriptions.push(pythonChanges);
  }
  void contributeSchema(context).catch((error: unknown) => serverLog.appendLine(`YAML schema contribution failed: ${String(error)}`));

  if (inRegistry(vscode.window.activeTextEditor?.document) || (await workspaceHasRegistry())) {
    await runtime.restart();
    return;
  }
  // No registry yet: start when a YAML file inside one is opened.
  const waiting = vscode.workspace.onDidOpenTextDocument((document) => {
    if (!wanted && inRegistry(document)) {
      waiting.dispose();
      void runtime.restart();
    }
  });
  context.subscriptions.push(waiting);
}

export async function deactivate(): Promise<void> {
  await stopServer();
}
