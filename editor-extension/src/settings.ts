/**
 * The `weavergen.*` settings as the language server reads them (server/settings.py): one pure mapping,
 * used for initializationOptions and for answering workspace/configuration. No `vscode` import here.
 */

export const SECTION = 'weavergen';
export const DEFAULT_DEBOUNCE_MS = 30;

/** Reads one setting by its key below `weavergen.` (for example `ai.models`); undefined when unset. */
export type SettingReader = (key: string) => unknown;

/** Where `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~` point. */
export interface Substitutions {
  workspaceFolder?: string;
  userHome?: string;
  env?: Record<string, string | undefined>;
}

export interface LiveCheckReceiver {
  enabled: boolean;
  host: string;
  grpcPort: number;
  httpPort: number;
}

/** What the server receives under the `weavergen` section. */
export interface ServerSettings {
  registryPath?: string;
  policies: string[];
  skipPolicies: boolean;
  future: boolean;
  v2: boolean;
  generateOnSave: string[];
  templates: string;
  output: string;
  debounceMs: number;
  ai: { models: string[]; endpoint?: string; timeout: number };
  liveCheck: { receiver: LiveCheckReceiver };
  review: { enabled: ReviewMode };
}

/** What `weavergen.review.enabled` shows: definite findings, heuristics too, or none. */
export type ReviewMode = 'mechanical' | 'all' | 'off';

function reviewMode(value: unknown): ReviewMode {
  if (typeof value === 'boolean') {
    return value ? 'all' : 'off';
  }
  return value === 'all' || value === 'off' || value === 'mechanical' ? value : 'mechanical';
}

/** Every setting key below `weavergen.` that is forwarded to the server. */
export const SERVER_SETTING_KEYS = [
  'registryPath',
  'policies',
  'skipPolicies',
  'future',
  'v2',
  'generateOnSave',
  'templates',
  'output',
  'debounceMs',
  'ai.models',
  'ai.endpoint',
  'ai.timeout',
  'liveCheck.receiver.enabled',
  'liveCheck.receiver.host',
  'liveCheck.receiver.grpcPort',
  'liveCheck.receiver.httpPort',
  'review.enabled',
] as const;

/** Settings that change how the server is started rather than what it does. */
export const LAUNCH_SETTING_KEYS = ['server.command', 'interpreter'] as const;

/** Expand `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~` in a path setting. */
export function substitute(value: string, subs: Substitutions): string {
  let out = value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (whole, name: string, env?: string) => {
    if (env !== undefined) {
      return subs.env?.[env] ?? '';
    }
    const found = name === 'workspaceFolder' ? subs.workspaceFolder : subs.userHome;
    return found ?? whole;
  });
  if (subs.userHome && (out === '~' || out.startsWith('~/') || out.startsWith('~\\'))) {
    out = subs.userHome + out.slice(1);
  }
  return out;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** A string list the way the server reads it: a lone string is a one-item list, blanks dropped. */
export function strings(value: unknown): string[] {
  if (typeof value === 'string') {
    return value.trim() !== '' ? [value.trim()] : [];
  }
  if (Array.isArray(value)) {
    return value.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
  }
  return [];
}

function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === 'boolean' ? value : fallback;
}

function number(value: unknown, fallback: number, min: number, max: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? value : fallback;
}

function integer(value: unknown, fallback: number, min: number, max: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max ? Math.trunc(value) : fallback;
}

/** The server's settings from the editor's: wrong types fall back to the server's defaults. */
export function serverSettings(read: SettingReader, subs: Substitutions = {}): ServerSettings {
  const path = (v: string): string => substitute(v, subs);
  const registryPath = text(read('registryPath'));
  const endpoint = text(read('ai.endpoint'));
  const settings: ServerSettings = {
    policies: strings(read('policies')).map(path),
    skipPolicies: bool(read('skipPolicies'), false),
    future: bool(read('future'), false),
    v2: bool(read('v2'), false),
    generateOnSave: strings(read('generateOnSave')),
    templates: path(text(read('templates')) ?? 'templates'),
    output: path(text(read('output')) ?? 'output'),
    debounceMs: integer(read('debounceMs'), DEFAULT_DEBOUNCE_MS, 0, 10_000),
    ai: { models: strings(read('ai.models')), timeout: number(read('ai.timeout'), 60, 1, 600) },
    liveCheck: {
      receiver: {
        enabled: bool(read('liveCheck.receiver.enabled'), false),
        host: text(read('liveCheck.receiver.host')) ?? '127.0.0.1',
        grpcPort: integer(read('liveCheck.receiver.grpcPort'), 4317, 0, 65_535),
        httpPort: integer(read('liveCheck.receiver.httpPort'), 4318, 0, 65_535),
      },
    },
    review: { enabled: reviewMode(read('review.enabled')) },
  };
  if (registryPath !== undefined) {
    settings.registryPath = path(registryPath);
  }
  if (endpoint !== undefined) {
    settings.ai.endpoint = endpoint;
  }
  return settings;
}

/** The initializationOptions the server reads (`{weavergen: {...}}`, see server/settings.py). */
export function initializationOptions(settings: ServerSettings): { [SECTION]: ServerSettings } {
  return { [SECTION]: settings };
}

/** A reader over a plain object of settings, nested (`{ai: {models}}`) or dotted (`{"ai.models": …}`). */
export function objectReader(values: Record<string, unknown>): SettingReader {
  return (key) => {
    if (key in values) {
      return values[key];
    }
    let node: unknown = values;
    for (const part of key.split('.')) {
      if (node === null || typeof node !== 'object' || !(part in node)) {
        return undefined;
      }
      node = (node as Record<string, unknown>)[part];
    }
    return node;
  };
}

/** True when a configuration change touches settings that need a server restart. */
export function affectsServer(affects: (section: string) => boolean): boolean {
  return [...SERVER_SETTING_KEYS, ...LAUNCH_SETTING_KEYS, 'trace.server'].some((key) => affects(`${SECTION}.${key}`));
}
