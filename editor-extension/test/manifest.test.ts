import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string;
  engines: { vscode: string };
  activationEvents: string[];
  devDependencies: Record<string, string>;
  contributes: { commands: { command: string; title: string }[]; yamlValidation: { fileMatch: string[]; url: string }[] };
};
const commandsSource = readFileSync(join(root, 'src', 'commands.ts'), 'utf8');
const buildSource = readFileSync(join(root, 'scripts', 'build.mjs'), 'utf8');

test('every contributed command is registered, and every registered command is contributed', () => {
  const registered = [...commandsSource.matchAll(/register\('([^']+)'/g)].map((m) => m[1]).sort();
  const contributed = manifest.contributes.commands.map((c) => c.command).sort();
  assert.deepEqual(registered, contributed);
  for (const wanted of ['restartServer', 'runCheck', 'runGenerate', 'showWorkflow', 'showLastRunSpans', 'applyAllFixes']) {
    assert.ok(contributed.includes(`weavergen.${wanted}`), wanted);
  }
});

test('activation: YAML files and workspaces with a registry manifest', () => {
  assert.ok(manifest.activationEvents.includes('onLanguage:yaml'));
  assert.ok(manifest.activationEvents.some((e) => e.startsWith('workspaceContains:') && e.includes('manifest.yaml')));
});

test('the bundle and the schema the manifest points at are what the build writes', () => {
  assert.equal(manifest.main, './dist/extension.js');
  assert.ok(buildSource.includes("'dist/extension.js'"));
  for (const v of manifest.contributes.yamlValidation) {
    assert.ok(buildSource.includes(`'${v.url.replace(/^\.\//, '')}'`), v.url);
  }
});

test('engines.vscode is not older than the @types/vscode the code is checked against', () => {
  const version = (range: string): number[] => (/(\d+)\.(\d+)/.exec(range) ?? []).slice(1).map(Number);
  const [engineMajor, engineMinor] = version(manifest.engines.vscode);
  const [typesMajor, typesMinor] = version(manifest.devDependencies['@types/vscode']);
  assert.ok(engineMajor > typesMajor || (engineMajor === typesMajor && engineMinor >= typesMinor));
});

test('a workspace must be trusted: its settings name the programs the extension runs', () => {
  const caps = (manifest as unknown as { capabilities: { untrustedWorkspaces: { supported: boolean | string } } }).capabilities;
  assert.equal(caps.untrustedWorkspaces.supported, false);
});

test('no setting is machine-scoped: User settings keep applying in a remote window after a change', () => {
  // In a remote window (code-server, Remote-SSH, WSL) VS Code drops the User settings of `machine` and
  // `machine-overridable` scope once any setting changes, so a restart fell back to `python3`.
  const properties = (manifest.contributes as unknown as { configuration: { properties: Record<string, { scope?: string }> } }).configuration
    .properties;
  for (const key of ['weavergen.interpreter', 'weavergen.server.command']) {
    assert.equal(properties[key].scope, 'window', key);
  }
  for (const [key, value] of Object.entries(properties)) {
    assert.ok(value.scope !== 'machine' && value.scope !== 'machine-overridable', `${key} has scope ${value.scope}`);
  }
});
