// Build the extension: bundle src/extension.ts with esbuild, copy Mermaid, write the YAML schema.
// `--production` minifies; `--tools` builds only out/tools/*.js (run by tests/test_extension.py).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const tools = process.argv.includes('--tools');
const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'warning' };

if (tools) {
  for (const tool of ['launchSpec', 'fixFile']) {
    await esbuild.build({ ...common, entryPoints: [join(root, `src/tools/${tool}.ts`)], outfile: join(root, `out/tools/${tool}.js`) });
  }
} else {
  await esbuild.build({
    ...common,
    entryPoints: [join(root, 'src/extension.ts')],
    outfile: join(root, 'dist/extension.js'),
    external: ['vscode'],
    minify: production,
    sourcemap: !production,
  });
  // Mermaid for the webview, from the installed package: no network when a diagram is shown.
  const require = createRequire(import.meta.url);
  const mermaid = join(dirname(require.resolve('mermaid/package.json')), 'dist', 'mermaid.min.js');
  mkdirSync(join(root, 'dist/media'), { recursive: true });
  copyFileSync(mermaid, join(root, 'dist/media/mermaid.min.js'));
  writeFileSync(join(root, 'dist/definition-v2.schema.json'), JSON.stringify(definitionSchema(), null, 1) + '\n');
}

/**
 * The definition/2 schema weavergen validates with (schemas/definition-v2.schema.json, the output of
 * `weavergen registry json-schema -j semconv-definition-v2`), wrapped so that it applies only to files
 * that say `file_format: definition/2`: v1 files matched by the same pattern are left alone.
 */
function definitionSchema() {
  const v2 = JSON.parse(readFileSync(join(root, 'schemas/definition-v2.schema.json'), 'utf8'));
  delete v2.$schema;
  const { $defs, title, description, ...body } = v2;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'weavergen-schema://schemas/definition-v2.schema.json',
    title: `${title} (weaver definition/2 files)`,
    description,
    if: { type: 'object', required: ['file_format'], properties: { file_format: { const: 'definition/2' } } },
    then: { $ref: '#/$defs/SemConvSpecV2' },
    $defs: { ...$defs, SemConvSpecV2: { title, description, ...body } },
  };
}
