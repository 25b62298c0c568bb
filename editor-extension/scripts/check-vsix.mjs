// Check a packaged .vsix: list its files (read from the zip's central directory) and fail when it holds
// node_modules, TypeScript sources, source maps or tests, or misses a file the manifest points at.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Module, { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/check-vsix.mjs <file.vsix>');
  process.exit(2);
}
const zip = readFileSync(file);

/** Entries of a zip archive: name, method, sizes and local header offset, from the central directory. */
function entries(buf) {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file} is not a zip archive`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const out = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(at) !== 0x02014b50) throw new Error('broken central directory');
    const method = buf.readUInt16LE(at + 10);
    const compressed = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const extra = buf.readUInt16LE(at + 30);
    const comment = buf.readUInt16LE(at + 32);
    const offset = buf.readUInt32LE(at + 42);
    out.push({ name: buf.toString('utf8', at + 46, at + 46 + nameLength), method, compressed, size, offset });
    at += 46 + nameLength + extra + comment;
  }
  return out;
}

function read(buf, entry) {
  const start = entry.offset + 30 + buf.readUInt16LE(entry.offset + 26) + buf.readUInt16LE(entry.offset + 28);
  const data = buf.subarray(start, start + entry.compressed);
  return entry.method === 8 ? inflateRawSync(data) : data;
}

const list = entries(zip);
const names = list.map((e) => e.name);
for (const e of list) console.log(`${String(e.size).padStart(9)}  ${e.name}`);
console.log(`${list.length} files, ${statSync(file).size} bytes packed`);

const problems = [];
const forbidden = [
  [/(^|\/)node_modules\//, 'node_modules'],
  [/\.tsx?$/, 'a TypeScript source'],
  [/\.map$/, 'a source map'],
  [/^extension\/(src|test|scripts|out)\//, 'a source, test or build file'],
  [/(^|\/)package-lock\.json$/, 'the lock file'],
];
for (const name of names) {
  for (const [pattern, what] of forbidden) {
    if (pattern.test(name)) problems.push(`${name} is ${what}`);
  }
}
const manifestEntry = list.find((e) => e.name === 'extension/package.json');
if (!manifestEntry) {
  problems.push('extension/package.json is missing');
} else {
  const manifest = JSON.parse(read(zip, manifestEntry).toString('utf8'));
  const wanted = [manifest.main, ...(manifest.contributes?.yamlValidation ?? []).map((v) => v.url), './dist/media/mermaid.min.js'];
  for (const path of wanted) {
    const name = `extension/${path.replace(/^\.\//, '')}`;
    if (!names.includes(name)) problems.push(`${name} (referenced by package.json) is missing`);
  }
  // --no-dependencies ships no node_modules: the bundle may require only Node's modules and vscode.
  const main = list.find((e) => e.name === `extension/${String(manifest.main).replace(/^\.\//, '')}`);
  if (main) {
    const code = read(zip, main).toString('utf8');
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), 'vscode']);
    for (const [, mod] of code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) {
      if (!builtins.has(mod)) problems.push(`${main.name} requires "${mod}", which is not bundled`);
    }
    const loaded = loadWithoutVSCode(code);
    if (typeof loaded.activate !== 'function' || typeof loaded.deactivate !== 'function') {
      problems.push(`${main.name} does not export activate() and deactivate()`);
    }
  }
  const schema = list.find((e) => e.name.endsWith('definition-v2.schema.json'));
  if (schema) JSON.parse(read(zip, schema).toString('utf8'));
}
/**
 * Load the packaged bundle the way VS Code would, with an inert stand-in for the `vscode` module (its
 * top level must evaluate; nothing is activated), and return its exports.
 */
function loadWithoutVSCode(code) {
  const inert = (name) =>
    new Proxy(function () {}, {
      get(target, prop) {
        if (prop === 'prototype') return target.prototype;
        if (prop === 'then') return undefined;
        if (!(prop in target)) target[prop] = inert(`${name}.${String(prop)}`);
        return target[prop];
      },
      construct: () => inert(`new ${name}`),
      apply: () => inert(`${name}()`),
    });
  const dir = mkdtempSync(join(tmpdir(), 'vsix-'));
  const load = Module._load;
  Module._load = function (request, ...rest) {
    return request === 'vscode' ? inert('vscode') : load.call(this, request, ...rest);
  };
  try {
    writeFileSync(join(dir, 'extension.js'), code);
    return createRequire(join(dir, 'x.js'))('./extension.js');
  } catch (error) {
    problems.push(`the bundle does not load: ${error.message}`);
    return {};
  } finally {
    Module._load = load;
    rmSync(dir, { recursive: true, force: true });
  }
}

if (problems.length > 0) {
  for (const p of problems) console.error(`vsix: ${p}`);
  process.exit(1);
}
console.log('vsix file list OK');
