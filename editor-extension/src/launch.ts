/**
 * How the language server and the CLI are started: the command line, built from the settings and the
 * environment alone (no `vscode` import), so tests can run exactly what the extension runs.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

import { strings, substitute, type Substitutions } from './settings';

export const INSTALL_COMMAND = 'pip install weavergen';
export const INSTALL_FROM_CHECKOUT = 'pip install -e .';
export const MIN_PYTHON: readonly [number, number] = [3, 11];

/** Where the command line came from, in the order they are tried. */
export type LaunchSource = 'setting' | 'interpreter' | 'path' | 'python-extension' | 'python-on-path';

export interface Launch {
  ok: true;
  command: string;
  args: string[];
  source: LaunchSource;
  /** The interpreter, when the server runs as `python -m weavergen.server`. */
  python?: string[];
}

export interface LaunchProblem {
  ok: false;
  message: string;
}

export interface LaunchInput {
  /** `weavergen.server.command`: a command line (array), or one program path (string). */
  serverCommand?: unknown;
  /** `weavergen.interpreter`: a command line (array), or one program path (string). */
  interpreter?: unknown;
  /** The Python extension's active environment, when that extension is installed and has one. */
  pythonExtension?: string[];
  /** The environment the server is started in (PATH, PATHEXT). */
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  subs?: Substitutions;
  /** True when a file exists and may be executed; the real file system by default. */
  isExecutable?: (file: string) => boolean;
}

export function isExecutableFile(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) {
      return false;
    }
    if (process.platform === 'win32') {
      return true;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first `name` on PATH (with PATHEXT on Windows), as `which` finds it. */
export function which(
  name: string,
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform,
  isExecutable: (file: string) => boolean = isExecutableFile,
): string | undefined {
  const lib = platform === 'win32' ? path.win32 : path.posix;
  const dirs = (env.PATH ?? env.Path ?? '').split(platform === 'win32' ? ';' : ':').filter((d) => d !== '');
  const exts = platform === 'win32' ? (env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter((e) => e !== '') : [''];
  for (const dir of dirs) {
    for (const ext of exts) {
      const candidate = lib.join(dir, name + ext.toLowerCase());
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

function commandLine(value: unknown, subs: Substitutions): string[] {
  return strings(value).map((part) => substitute(part, subs));
}

/**
 * The command line of `weavergen lsp`, first match wins:
 * 1. `weavergen.server.command` (an array is used as is; a string is the path of the `weavergen` program);
 * 2. `weavergen.interpreter` → `<python> -m weavergen.server --stdio`;
 * 3. `weavergen` on PATH → `weavergen lsp --stdio`;
 * 4. the Python extension's active environment → `<python> -m weavergen.server --stdio`;
 * 5. `python3` (`python` on Windows) on PATH → `<python> -m weavergen.server --stdio`.
 */
export function serverLaunch(input: LaunchInput): Launch | LaunchProblem {
  const subs = input.subs ?? {};
  const isExec = input.isExecutable ?? isExecutableFile;
  if (Array.isArray(input.serverCommand)) {
    const argv = commandLine(input.serverCommand, subs);
    if (argv.length > 0) {
      return { ok: true, command: argv[0], args: argv.slice(1), source: 'setting' };
    }
  } else if (typeof input.serverCommand === 'string' && input.serverCommand.trim() !== '') {
    return { ok: true, command: substitute(input.serverCommand.trim(), subs), args: ['lsp', '--stdio'], source: 'setting' };
  }
  const python = (argv: string[], source: LaunchSource): Launch => ({
    ok: true,
    command: argv[0],
    args: [...argv.slice(1), '-m', 'weavergen.server', '--stdio'],
    source,
    python: argv,
  });
  const interpreter = commandLine(input.interpreter, subs);
  if (interpreter.length > 0) {
    return python(interpreter, 'interpreter');
  }
  const onPath = which('weavergen', input.env, input.platform, isExec);
  if (onPath !== undefined) {
    return { ok: true, command: onPath, args: ['lsp', '--stdio'], source: 'path' };
  }
  if (input.pythonExtension !== undefined && input.pythonExtension.length > 0) {
    return python(input.pythonExtension, 'python-extension');
  }
  for (const name of input.platform === 'win32' ? ['python', 'py'] : ['python3', 'python']) {
    const found = which(name, input.env, input.platform, isExec);
    if (found !== undefined) {
      return python([found], 'python-on-path');
    }
  }
  return { ok: false, message: missingPythonMessage() };
}

/** The `weavergen …` command line for the CLI, matching how the server is started. */
export function cliBase(launch: Launch): string[] {
  if (launch.python !== undefined) {
    return [...launch.python, '-m', 'weavergen.cli'];
  }
  const argv = [launch.command, ...launch.args];
  const module = argv.indexOf('weavergen.server');
  if (module > 0 && argv[module - 1] === '-m') {
    return [...argv.slice(0, module), 'weavergen.cli'];
  }
  const lsp = argv.lastIndexOf('lsp');
  return lsp > 0 ? argv.slice(0, lsp) : [launch.command];
}

/** A Python program that prints the interpreter's version and whether weavergen's server imports. */
export const PROBE_SCRIPT = [
  'import json, sys',
  'out = {"version": list(sys.version_info[:3]), "executable": sys.executable}',
  'try:',
  '    import weavergen.server.server',
  '    import weavergen',
  '    out["weavergen"] = weavergen.__version__',
  'except Exception as exc:',
  '    out["error"] = f"{type(exc).__name__}: {exc}"',
  'print(json.dumps(out))',
].join('\n');

/** The command line that checks an interpreter before the server is started with it. */
export function probeCommand(launch: Launch): string[] | undefined {
  return launch.python !== undefined ? [...launch.python, '-c', PROBE_SCRIPT] : undefined;
}

export interface ProbeResult {
  /** The process's exit code, or null when it could not be started. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The spawn error, for example ENOENT. */
  spawnError?: string;
}

/** undefined when the interpreter can run weavergen; otherwise the message to show, with the fix. */
export function explainProbe(launch: Launch, result: ProbeResult): string | undefined {
  const python = (launch.python ?? [launch.command]).join(' ');
  if (result.spawnError !== undefined) {
    return `weavergen: the Python interpreter \`${python}\` could not be started (${result.spawnError}). ${interpreterHint()}`;
  }
  let parsed: { version?: number[]; weavergen?: string; error?: string } | undefined;
  try {
    parsed = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (parsed?.version === undefined) {
    const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-1)[0] ?? '';
    return `weavergen: \`${python}\` is not a working Python interpreter${detail ? ` (${detail})` : ''}. ${interpreterHint()}`;
  }
  const [major, minor] = parsed.version;
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    return `weavergen needs Python ${MIN_PYTHON.join('.')} or newer; \`${python}\` is Python ${parsed.version.join('.')}. ${interpreterHint()}`;
  }
  if (parsed.weavergen === undefined) {
    return missingWeavergenMessage(python, parsed.error);
  }
  return undefined;
}

export function interpreterHint(): string {
  return 'Set `weavergen.interpreter` to a Python 3.11+ interpreter, or select one with the Python extension.';
}

export function missingPythonMessage(): string {
  return (
    'weavergen: neither the `weavergen` program nor a Python interpreter was found on PATH. ' +
    `Install Python 3.11+ and then weavergen: \`${INSTALL_COMMAND}\` (from a checkout: \`${INSTALL_FROM_CHECKOUT}\`), ` +
    'or set `weavergen.server.command`.'
  );
}

export function missingWeavergenMessage(python: string, error?: string): string {
  return (
    `weavergen is not installed for \`${python}\`${error ? ` (${error})` : ''}. ` +
    `Install it into that environment: \`${python} -m ${INSTALL_COMMAND}\` (from a checkout: \`${python} -m ${INSTALL_FROM_CHECKOUT}\`).`
  );
}

/** The message when the server's program cannot be started at all (spawn ENOENT/EACCES). */
export function startFailureMessage(launch: Launch, error: string): string {
  const argv = [launch.command, ...launch.args].join(' ');
  return (
    `weavergen: could not start the language server \`${argv}\` (${error}). ` +
    `Install weavergen: \`${INSTALL_COMMAND}\` (from a checkout: \`${INSTALL_FROM_CHECKOUT}\`), ` +
    'or point `weavergen.server.command` / `weavergen.interpreter` at it.'
  );
}
