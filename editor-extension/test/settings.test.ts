import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  affectsServer,
  initializationOptions,
  LAUNCH_SETTING_KEYS,
  objectReader,
  SERVER_SETTING_KEYS,
  serverSettings,
  substitute,
} from '../src/settings';

interface Contributed {
  type: string;
  default: unknown;
  markdownDescription?: string;
}

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, Contributed> } };
};
const contributed = manifest.contributes.configuration.properties;
const keyOf = (full: string): string => full.replace(/^weavergen\./, '');

test('every contributed setting is forwarded to the server or changes how it starts, and has a description', () => {
  const known = new Set<string>([...SERVER_SETTING_KEYS, ...LAUNCH_SETTING_KEYS, 'trace.server']);
  for (const [full, spec] of Object.entries(contributed)) {
    assert.ok(known.has(keyOf(full)), `${full} is contributed but neither forwarded nor a launch setting`);
    assert.ok((spec.markdownDescription ?? '').length > 40, `${full} needs a real description`);
  }
  for (const key of [...SERVER_SETTING_KEYS, ...LAUNCH_SETTING_KEYS]) {
    assert.ok(`weavergen.${key}` in contributed, `weavergen.${key} is read but not contributed`);
  }
});

test('the contributed defaults map to the same settings as nothing set at all', () => {
  const defaults = Object.fromEntries(Object.entries(contributed).map(([full, spec]) => [keyOf(full), spec.default]));
  assert.deepEqual(serverSettings(objectReader(defaults)), serverSettings(() => undefined));
});

test('values of the wrong type fall back to the defaults, as the server does', () => {
  const fallback = serverSettings(() => undefined);
  const wrong = serverSettings(
    objectReader({
      registryPath: 42,
      policies: [1, '', '  '],
      skipPolicies: 'yes',
      future: 1,
      v2: null,
      debounceMs: 20_000,
      templates: '   ',
      ai: { models: 'x', endpoint: 3, timeout: 0 },
      liveCheck: { receiver: { enabled: 'true', grpcPort: 70_000, httpPort: -1, host: '' } },
    }),
  );
  // a lone string is a one-item list, like the server's _strings()
  assert.deepEqual(wrong.ai.models, ['x']);
  assert.deepEqual({ ...wrong, ai: fallback.ai }, fallback);
});

test('set values reach the server, nested or dotted, with ${workspaceFolder} and ~ expanded in paths', () => {
  const subs = { workspaceFolder: '/ws', userHome: '/home/me', env: { POLICY_DIR: '/etc/policies' } };
  const nested = serverSettings(
    objectReader({
      registryPath: '${workspaceFolder}/model',
      policies: ['~/rego', '${env:POLICY_DIR}', 'local.rego'],
      skipPolicies: true,
      future: true,
      v2: true,
      generateOnSave: ['markdown'],
      templates: '${workspaceFolder}/tpl',
      output: 'gen',
      debounceMs: 75.9,
      ai: { models: ['openai:gpt-4.1-mini'], endpoint: 'http://127.0.0.1:11434/v1', timeout: 12.5 },
      liveCheck: { receiver: { enabled: true, host: '0.0.0.0', grpcPort: 0, httpPort: 14318 } },
    }),
    subs,
  );
  assert.equal(nested.registryPath, '/ws/model');
  assert.deepEqual(nested.policies, ['/home/me/rego', '/etc/policies', 'local.rego']);
  assert.equal(nested.templates, '/ws/tpl');
  assert.equal(nested.output, 'gen');
  assert.equal(nested.debounceMs, 75);
  assert.deepEqual(nested.generateOnSave, ['markdown']);
  assert.equal(nested.skipPolicies && nested.future && nested.v2, true);
  assert.deepEqual(nested.ai, { models: ['openai:gpt-4.1-mini'], endpoint: 'http://127.0.0.1:11434/v1', timeout: 12.5 });
  assert.deepEqual(nested.liveCheck.receiver, { enabled: true, host: '0.0.0.0', grpcPort: 0, httpPort: 14318 });
  const dotted = serverSettings(
    objectReader({ 'ai.models': ['openai:gpt-4.1-mini'], 'liveCheck.receiver.httpPort': 14318, registryPath: 'model' }),
    subs,
  );
  assert.deepEqual(dotted.ai.models, ['openai:gpt-4.1-mini']);
  assert.equal(dotted.liveCheck.receiver.httpPort, 14318);
  assert.equal(dotted.registryPath, 'model');
  assert.deepEqual(Object.keys(initializationOptions(dotted)), ['weavergen']);
});

test('substitute leaves unknown variables alone and expands only a leading ~', () => {
  assert.equal(substitute('${workspaceFolder}/a', {}), '${workspaceFolder}/a');
  assert.equal(substitute('${foo}/a~', { userHome: '/h' }), '${foo}/a~');
  assert.equal(substitute('~', { userHome: '/h' }), '/h');
  assert.equal(substitute('${env:MISSING}x', { env: {} }), 'x');
});

test('only weavergen settings that matter restart the server', () => {
  assert.equal(affectsServer((s) => s === 'weavergen.debounceMs'), true);
  assert.equal(affectsServer((s) => s === 'weavergen.server.command'), true);
  assert.equal(affectsServer((s) => s === 'weavergen.liveCheck.receiver.httpPort'), true);
  assert.equal(affectsServer((s) => s === 'editor.fontSize'), false);
});
