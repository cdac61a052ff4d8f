import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MemberFamily } from '../models/types.js';
import { ConfigError } from '../util/errors.js';

/**
 * User-defined ("plugin") member families. A plugin module exports `families: MemberFamily[]` (or a default
 * export that is a family or an array of them). Run options list plugin modules by path or URL; every worker
 * imports them, and their family names take precedence over the built-in registry.
 */

/** A module specifier workers can import from anywhere: paths become absolute file URLs, URLs stay. */
export function normalizeModuleSpecifier(specifier: string, cwd: string = process.cwd()): string {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(specifier) && !/^[a-zA-Z]:[\\/]/.test(specifier)) return specifier;
  if (specifier.startsWith('.') || isAbsolute(specifier) || /^[a-zA-Z]:[\\/]/.test(specifier)) {
    return pathToFileURL(resolve(cwd, specifier)).href;
  }
  return specifier; // a bare package name, resolved by Node
}

const pluginCache = new Map<string, Promise<readonly MemberFamily[]>>();

/** The families a plugin module exports (imported once per thread). */
export function loadPluginModule(specifier: string): Promise<readonly MemberFamily[]> {
  let loaded = pluginCache.get(specifier);
  if (loaded === undefined) {
    loaded = import(specifier).then(
      (module: Record<string, unknown>) => familiesOf(module, specifier),
      (error: unknown) => {
        throw new ConfigError(`cannot import family module ${specifier}: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    pluginCache.set(specifier, loaded);
  }
  return loaded;
}

function familiesOf(module: Record<string, unknown>, specifier: string): readonly MemberFamily[] {
  const exported = module.families ?? module.default;
  const list = Array.isArray(exported) ? exported : exported === undefined ? [] : [exported];
  if (list.length === 0) throw new ConfigError(`family module ${specifier} exports no 'families' array or default family`);
  for (const family of list) {
    const f = family as Partial<MemberFamily> | null;
    if (f === null || typeof f !== 'object' || typeof f.name !== 'string' || typeof f.fit !== 'function' || typeof f.load !== 'function' || typeof f.supports !== 'function') {
      throw new ConfigError(`family module ${specifier} exports something that is not a MemberFamily (needs name, supports, fit, load)`);
    }
  }
  return list as MemberFamily[];
}

/** The family called `name`: plugin modules first (in order), then the built-in registry. */
export async function resolveFamily(name: string, pluginModules: readonly string[]): Promise<MemberFamily> {
  for (const specifier of pluginModules) {
    const found = (await loadPluginModule(specifier)).find((f) => f.name === name);
    if (found !== undefined) return found;
  }
  // Imported lazily: a worker running only plugin families never loads the built-in ones (and TensorFlow.js).
  const registry = await import('../models/registry.js');
  return registry.getFamily(name);
}
