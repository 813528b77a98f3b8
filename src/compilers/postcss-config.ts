// The project's own PostCSS config (postcss.config.{js,cjs,mjs,ts,…}, .postcssrc*,
// package.json#postcss), found and loaded the way postcss-cli, Vite and Tailwind's docs
// expect (postcss-load-config, searching up from the project root). Loaded once per build;
// kiln watch keeps the loaded plugins while the config file's size and mtime are unchanged.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AcceptedPlugin, Parser, ProcessOptions, Stringifier, Syntax } from 'postcss'
import { buildError, displayPath } from '../diagnostics.js'
import { postcssLoadConfig } from '../packages.js'

export interface UserPostcss {
  /** The config file, or null when the project has none. */
  file: string | null
  plugins: AcceptedPlugin[]
  /** Every plugin's name, plugin packs flattened (for the checks below and messages). */
  names: string[]
  /** A plugin that inlines @import itself (postcss-import, Tailwind v4): Kiln's inlining runs after it. */
  inlinesImports: boolean
  /** autoprefixer is in the user's list: Kiln does not add its own. */
  prefixes: boolean
  parser?: Parser | Syntax
  stringifier?: Stringifier | Syntax
}

export const NO_POSTCSS_CONFIG: UserPostcss = { file: null, plugins: [], names: [], inlinesImports: false, prefixes: false }

/** postcss-load-config's search places, in its order (lilconfig, directory by directory up to the home directory). */
const PLACES = ['package.json', '.postcssrc', '.postcssrc.json', '.postcssrc.yaml', '.postcssrc.yml', '.postcssrc.ts', '.postcssrc.cts', '.postcssrc.mts',
  '.postcssrc.js', '.postcssrc.cjs', '.postcssrc.mjs', 'postcss.config.ts', 'postcss.config.cts', 'postcss.config.mts', 'postcss.config.js',
  'postcss.config.cjs', 'postcss.config.mjs']

/** Names kiln watch reacts to in the project directory (the PostCSS and Tailwind configs). */
export const STYLE_CONFIG_NAMES = [...PLACES.filter((p) => p !== 'package.json'), 'tailwind.config.js', 'tailwind.config.cjs', 'tailwind.config.mjs', 'tailwind.config.ts']

const IMPORT_INLINERS = new Set(['postcss-import', 'postcss-easy-import', '@tailwindcss/postcss'])

/**
 * The config file postcss-load-config would load, found with stats only (no module is
 * loaded): what the build cache keys on, so a build that compiles nothing never loads Tailwind.
 */
export function findPostcssConfig(projectRoot: string): string | null {
  const stop = os.homedir()
  for (let dir = projectRoot; ; dir = path.dirname(dir)) {
    for (const name of PLACES) {
      const file = path.join(dir, name)
      const stat = fs.statSync(file, { throwIfNoEntry: false })
      if (!stat?.isFile() || stat.size === 0) continue
      if (name === 'package.json' && !hasPostcssField(file)) continue
      return file
    }
    if (dir === stop || path.dirname(dir) === dir) return null
  }
}

function hasPostcssField(pkg: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { postcss?: unknown }).postcss != null
  } catch {
    return false
  }
}

const loaded = new Map<string, Promise<UserPostcss>>()

/** Loads the config found from `projectRoot` (config functions get `{ env, cwd }`). */
export function loadPostcssConfig(projectRoot: string, env: 'production' | 'development'): Promise<UserPostcss> {
  const file = findPostcssConfig(projectRoot)
  if (!file) return Promise.resolve(NO_POSTCSS_CONFIG)
  const stat = fs.statSync(file)
  const key = JSON.stringify([file, stat.size, stat.mtimeMs, env, projectRoot])
  let pending = loaded.get(key)
  if (!pending) {
    pending = load(file, projectRoot, env)
    loaded.set(key, pending)
    // A failed load is tried again next build (kiln watch: the user fixes the config).
    pending.catch(() => loaded.delete(key))
  }
  return pending
}

interface LoadedConfig {
  file: string
  plugins: unknown[]
  options: { parser?: Parser | Syntax; syntax?: Syntax; stringifier?: Stringifier | Syntax }
}

async function load(file: string, projectRoot: string, env: 'production' | 'development'): Promise<UserPostcss> {
  const shown = displayPath(file, projectRoot)
  let config: LoadedConfig
  try {
    const postcssrc = postcssLoadConfig()
    // Searching the found file's directory with its name first gives exactly that file.
    const rc = postcssrc as unknown as (ctx: object, dir: string, options: object) => Promise<LoadedConfig>
    config = await rc({ env, cwd: projectRoot }, path.dirname(file), { searchPlaces: [path.basename(file)], stopDir: path.dirname(file) })
  } catch (err) {
    throw loadError(err, shown)
  }
  const plugins = config.plugins.map(instance)
  const names = plugins.flatMap(namesOf)
  const top = plugins.map((p) => namesOf(p)[0] ?? '')
  return {
    file: config.file || file,
    plugins: plugins as AcceptedPlugin[],
    names,
    inlinesImports: top.some((n) => IMPORT_INLINERS.has(n)),
    prefixes: names.includes('autoprefixer'),
    parser: config.options.syntax ?? config.options.parser,
    stringifier: config.options.syntax ?? config.options.stringifier,
  }
}

/** A creator marked `postcss: true` is what postcss would call with no options; call it once here, so it is made once per load. */
function instance(p: unknown): unknown {
  const fn = p as { (): unknown; postcss?: unknown; default?: unknown } | null
  if (!fn) return p
  if (typeof fn === 'object' && (fn as { default?: unknown }).default) return instance((fn as { default?: unknown }).default)
  if (typeof fn === 'function' && fn.postcss === true) return fn()
  return p
}

function namesOf(p: unknown): string[] {
  const o = p as { postcssPlugin?: unknown; plugins?: unknown }
  if (!o || (typeof o !== 'object' && typeof o !== 'function')) return []
  const own = typeof o.postcssPlugin === 'string' ? [o.postcssPlugin] : []
  return Array.isArray(o.plugins) ? [...own, ...o.plugins.flatMap(namesOf)] : own
}

function loadError(err: unknown, shown: string) {
  const text = (err as Error)?.message ?? String(err)
  const first = text.split('\n').find((l) => l.trim()) ?? text
  const missing = /Cannot find (?:module|package) '([^']+)'/.exec(text)?.[1]
  const pkg = missing && !missing.startsWith('.') && !path.isAbsolute(missing) ? missing.split('/').slice(0, missing.startsWith('@') ? 2 : 1).join('/') : null
  const hint = /'tsx' or 'jiti' is required/.test(text) ? 'a TypeScript PostCSS config needs jiti or tsx installed (npm install -D jiti), or write it as postcss.config.mjs'
    : pkg ? `is "${pkg}" installed? (npm install -D ${pkg})`
      : 'fix the config, or remove it to build without your PostCSS plugins'
  return buildError(`Cannot load the PostCSS config ${shown}: ${first}`, { file: shown, line: 1, column: 0 }, hint)
}
