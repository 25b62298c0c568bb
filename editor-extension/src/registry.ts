/** Finding registries: manifests, and the registry a file belongs to. Pure (file access is injected). */

import * as path from 'node:path';

export const MANIFEST_NAMES = ['manifest.yaml', 'registry_manifest.yaml'] as const;

/**
 * True when a file is a registry manifest. `registry_manifest.yaml` always is; `manifest.yaml` is a
 * common name, so it counts only with a top-level key a weaver manifest has. `text` is undefined when
 * the file does not exist.
 */
export function isRegistryManifest(fileName: string, text: string | undefined): boolean {
  const base = path.basename(fileName);
  if (text === undefined) {
    return false; // no such file
  }
  if (base === 'registry_manifest.yaml') {
    return true;
  }
  if (base !== 'manifest.yaml') {
    return false;
  }
  return /^(schema_url|semconv_version|schema_base_url|file_format)\s*:/m.test(text);
}

/** True when YAML text declares weaver's v2 definition format (`file_format: definition/2`). */
export function isDefinitionV2(text: string): boolean {
  return /^file_format\s*:\s*["']?definition\/2["']?\s*(#.*)?$/m.test(text);
}

/**
 * The registry folder holding a file: the nearest ancestor (up to `stop`, inclusive) with a registry
 * manifest. `read` returns a file's text, or undefined when it does not exist.
 */
export function registryOf(file: string, read: (file: string) => string | undefined, stop?: string): string | undefined {
  let dir = path.dirname(path.resolve(file));
  const limit = stop !== undefined ? path.resolve(stop) : undefined;
  for (;;) {
    for (const name of MANIFEST_NAMES) {
      const candidate = path.join(dir, name);
      if (isRegistryManifest(candidate, read(candidate))) {
        return dir;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir || (limit !== undefined && dir === limit)) {
      return undefined;
    }
    dir = parent;
  }
}

/** The outermost registries among manifests found in a workspace (nested ones belong to them). */
export function outermostRegistries(manifests: string[]): string[] {
  const dirs = [...new Set(manifests.map((m) => path.dirname(path.resolve(m))))].sort();
  return dirs.filter((dir) => !dirs.some((other) => other !== dir && dir.startsWith(other + path.sep)));
}
