import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { isDefinitionV2, isRegistryManifest, outermostRegistries, registryOf } from '../src/registry';

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

test('a manifest.yaml counts only with a weaver manifest key; registry_manifest.yaml always', () => {
  assert.equal(isRegistryManifest('/r/manifest.yaml', 'schema_url: https://x/1.0.0\n'), true);
  assert.equal(isRegistryManifest('/r/manifest.yaml', 'name: x\nsemconv_version: v1\n'), true);
  assert.equal(isRegistryManifest('/k8s/manifest.yaml', 'apiVersion: v1\nkind: Pod\n'), false);
  assert.equal(isRegistryManifest('/r/registry_manifest.yaml', ''), true);
  assert.equal(isRegistryManifest('/r/other.yaml', 'schema_url: x'), false);
  assert.equal(isRegistryManifest('/r/registry_manifest.yaml', undefined), false);
});

test('definition/2 files are recognised by their file_format line', () => {
  assert.equal(isDefinitionV2('# c\nfile_format: definition/2\nattributes: []\n'), true);
  assert.equal(isDefinitionV2("file_format: 'definition/2'  # v2\n"), true);
  assert.equal(isDefinitionV2('groups:\n  - id: x\n    file_format: definition/2\n'), false);
  assert.equal(isDefinitionV2('file_format: definition/3\n'), false);
});

test('registryOf finds the nearest manifest above a file, stopping at the workspace folder', () => {
  const ws = mkdtempSync(join(tmpdir(), 'wg-registry-'));
  mkdirSync(join(ws, 'model', 'http'), { recursive: true });
  writeFileSync(join(ws, 'model', 'manifest.yaml'), 'schema_url: https://example.com/x/1.0.0\n');
  writeFileSync(join(ws, 'manifest.yaml'), 'kind: Deployment\n');
  assert.equal(registryOf(join(ws, 'model', 'http', 'http.yaml'), read, ws), join(ws, 'model'));
  assert.equal(registryOf(join(ws, 'other.yaml'), read, ws), undefined);
});

test('nested registries belong to the outermost one', () => {
  assert.deepEqual(outermostRegistries(['/ws/a/manifest.yaml', '/ws/a/b/manifest.yaml', '/ws/ab/manifest.yaml']), ['/ws/a', '/ws/ab']);
});
