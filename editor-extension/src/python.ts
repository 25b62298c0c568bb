/** The Python extension's active environment (ms-python.python), when that extension is installed. */

import * as vscode from 'vscode';

interface ResolvedEnvironment {
  executable?: { uri?: vscode.Uri };
}

interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment(env: { path: string } | string): Promise<ResolvedEnvironment | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
  settings?: {
    getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] };
  };
}

const PYTHON_EXTENSION = 'ms-python.python';

async function api(): Promise<PythonApi | undefined> {
  const ext = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION);
  if (ext === undefined) {
    return undefined;
  }
  try {
    return ext.isActive ? ext.exports : await ext.activate();
  } catch {
    return undefined;
  }
}

/** The active interpreter's command line for a folder, or undefined. */
export async function activeInterpreter(resource?: vscode.Uri): Promise<string[] | undefined> {
  const python = await api();
  if (python === undefined) {
    return undefined;
  }
  try {
    const envs = python.environments;
    const active = envs?.getActiveEnvironmentPath(resource);
    if (envs !== undefined && active !== undefined) {
      const resolved = await envs.resolveEnvironment(active);
      const exe = resolved?.executable?.uri?.fsPath;
      if (exe) {
        return [exe];
      }
    }
    const details = python.settings?.getExecutionDetails?.(resource)?.execCommand;
    return details !== undefined && details.length > 0 ? details : undefined;
  } catch {
    return undefined;
  }
}

/** Subscribe to interpreter changes in the Python extension (restarts the server). */
export async function onInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  const event = (await api())?.environments?.onDidChangeActiveEnvironmentPath;
  return event !== undefined ? event(listener) : undefined;
}
