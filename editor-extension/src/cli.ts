/**
 * Command lines of the `weavergen` CLI behind the extension's commands, built from the server settings.
 * Pure: the extension runs what these return, the tests check them.
 */

import type { ServerSettings } from './settings';

/** Weaver's shared registry flags from the settings (`--future` is global, so it goes first). */
function registryFlags(settings: ServerSettings): string[] {
  const out: string[] = [];
  for (const policy of settings.policies) {
    out.push('-p', policy);
  }
  if (settings.skipPolicies) {
    out.push('--skip-policies');
  }
  if (settings.v2) {
    out.push('--v2');
  }
  return out;
}

function global(settings: ServerSettings): string[] {
  return settings.future ? ['--future'] : [];
}

/** `weavergen registry check -r DIR` with the policies, `--skip-policies`, `--v2` and `--future` settings. */
export function checkCommand(base: string[], registry: string, settings: ServerSettings): string[] {
  return [...base, ...global(settings), 'registry', 'check', '-r', registry, ...registryFlags(settings)];
}

/** `weavergen registry generate TARGET OUTPUT -r DIR -t TEMPLATES` (templates and output resolved by the caller). */
export function generateCommand(
  base: string[],
  target: string,
  registry: string,
  templates: string,
  output: string,
  settings: ServerSettings,
): string[] {
  return [
    ...base,
    ...global(settings),
    'registry',
    'generate',
    target,
    output,
    '-r',
    registry,
    '-t',
    templates,
    ...registryFlags(settings),
  ];
}

export function workflowListCommand(base: string[]): string[] {
  return [...base, 'workflow', 'list'];
}

export function workflowShowCommand(base: string[], name: string): string[] {
  return [...base, 'workflow', 'show', name, '--format', 'mermaid'];
}

export type SpanFormat = 'tree' | 'json' | 'mermaid';

/** `weavergen debug spans`: the last run on `registry` (every registry's runs when undefined). */
export function spansCommand(base: string[], format: SpanFormat, registry?: string, back = 0): string[] {
  return [
    ...base,
    'debug',
    'spans',
    '--format',
    format,
    ...(registry !== undefined ? ['-r', registry] : []),
    ...(back > 0 ? ['--back', String(back)] : []),
  ];
}

/** The server's command that checks a registry as the editor shows it, unsaved edits included. */
export const CHECK_COMMAND = 'weavergen.checkRegistry';

/** What `weavergen.checkRegistry` answers (server/workflow.py). */
export interface ServerCheck {
  found: boolean;
  registry?: string;
  errors?: number;
  warnings?: number;
  /** The report as `weavergen registry check` prints it. */
  text?: string;
  runId?: string;
  cancelled?: boolean;
}

/** Reads the server's answer; undefined when the server does not hold that registry (check the disk then). */
export function readServerCheck(value: unknown): Required<Pick<ServerCheck, 'errors' | 'warnings' | 'text'>> | undefined {
  if (value === null || typeof value !== 'object') {
    return undefined;
  }
  const r = value as ServerCheck;
  if (r.found !== true || r.cancelled === true || typeof r.errors !== 'number' || typeof r.text !== 'string') {
    return undefined;
  }
  return { errors: r.errors, warnings: typeof r.warnings === 'number' ? r.warnings : 0, text: r.text };
}

/** The notification after a check: the registry's name, and what was found. */
export function checkMessage(name: string, errors: number, warnings: number, unsaved: boolean): string {
  const what = unsaved ? ' (as shown in the editor, unsaved edits included)' : '';
  if (errors === 0) {
    return `weavergen: ${name} has no errors${warnings > 0 ? ` (${warnings} warning(s))` : ''}${what}.`;
  }
  return `weavergen: ${name} has ${errors} error(s)${warnings > 0 ? ` and ${warnings} warning(s)` : ''}${what}; see the output.`;
}

export interface WorkflowInfo {
  id: string;
  name: string;
  origin: string;
}

/** The workflows printed by `weavergen workflow list` (one line each; `calls:` lines are details). */
export function parseWorkflowList(stdout: string): WorkflowInfo[] {
  const out: WorkflowInfo[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    if (line.trim() === '' || /^\s/.test(line)) {
      continue;
    }
    const match = /^(\S+)\s+(.*?)\s{2,}(\S.*)$/.exec(line.trimEnd());
    if (match) {
      out.push({ id: match[1], name: match[2], origin: match[3] });
    } else {
      out.push({ id: line.trim().split(/\s+/)[0], name: '', origin: '' });
    }
  }
  return out;
}

/** A command line as one shell-readable string, for logs and messages. */
export function displayCommand(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Template targets: the folders of `<templates>/registry/` if it exists, else of `<templates>/`. */
export function templateTargets(listDirs: (dir: string) => string[] | undefined, templates: string): string[] {
  const nested = listDirs(`${templates}/registry`);
  const found = nested !== undefined && nested.length > 0 ? nested : (listDirs(templates) ?? []).filter((d) => d !== 'registry');
  return [...found].sort();
}
