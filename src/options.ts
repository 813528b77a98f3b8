// The one table of build options. The CLI, the environment, config files and the API
// all read it, so a new option is added in exactly one place.
import { closest } from './runtime/closest.js'
import { usageError, buildError, KilnError } from './diagnostics.js'

export interface KilnConfig {
  /** Source directory, relative to the working directory. Default `assets`. */
  root?: string
  /** Artifact directory. Default `public/assets`. */
  out?: string
  /** URL prefix the artifact is served under. Default `/assets/`. */
  publicPath?: string
  /** Entry globs relative to the root; replaces the default (JS/TS/CSS files directly in the root). */
  entries?: string[]
  minify?: boolean
  sourcemap?: boolean
  /** Make warnings (e.g. a url() to a missing file) errors. */
  strict?: boolean
  /** Inline url() targets up to this many bytes as data: URIs in CSS. 0 = off. */
  inlineLimit?: number
  /** Precompressed variants to write beside compressible files, or false. Default ['br', 'gzip']. */
  compress?: Encoding[] | false
  /** Brotli quality, 0–11. Default 11. */
  brotliQuality?: number
  /** Gzip level, 1–9. Default 9. */
  gzipLevel?: number
  /** Also precompress source maps. Default false. */
  compressSourceMaps?: boolean
  /** Persistent build cache (keep it between CI runs). Default node_modules/.cache/kiln when the project has a node_modules directory, else .kiln-cache. */
  cacheDir?: string
  /** Re-hash every static file even when the cache says it is unchanged, and report mismatches. */
  verifyCache?: boolean
  /** Hash every file of the artifact directory the build lists, and rewrite any whose bytes are wrong. */
  verify?: boolean
}

export type Encoding = 'br' | 'gzip'
export const ENCODINGS: readonly Encoding[] = ['br', 'gzip']

export type ResolvedOptions = Required<Omit<KilnConfig, 'entries'>> & { entries: string[] | null }

/** Before the project-dependent defaults are filled in (config.ts): cacheDir is null when nothing set it. */
export type MergedOptions = Omit<ResolvedOptions, 'cacheDir'> & { cacheDir: string | null }

type Kind = 'string' | 'boolean' | 'number' | 'string[]' | 'encodings'

interface OptionSpec {
  kind: Kind
  env: string
  default: unknown
  describe: string
  /** The value's placeholder in --help (DIR, URL, N). */
  arg?: string
  /** The default as --help says it, where the value alone would mislead. */
  shownDefault?: string
  min?: number
  max?: number
}

export const OPTIONS: Record<keyof KilnConfig, OptionSpec> = {
  root: { kind: 'string', env: 'KILN_ROOT', default: 'assets', arg: 'DIR', describe: 'Source directory' },
  out: { kind: 'string', env: 'KILN_OUT', default: 'public/assets', arg: 'DIR', describe: 'Artifact directory' },
  publicPath: { kind: 'string', env: 'KILN_PUBLIC_PATH', default: '/assets/', arg: 'URL', describe: 'URL prefix of the artifact directory' },
  entries: { kind: 'string[]', env: 'KILN_ENTRIES', default: null, arg: 'GLOB', shownDefault: 'JS/TS/CSS files directly in the root', describe: 'Entry globs relative to the root (repeatable)' },
  minify: { kind: 'boolean', env: 'KILN_MINIFY', default: true, describe: 'Minify JS and CSS' },
  sourcemap: { kind: 'boolean', env: 'KILN_SOURCEMAP', default: true, describe: 'Write external source maps' },
  strict: { kind: 'boolean', env: 'KILN_STRICT', default: false, describe: 'Treat warnings as errors' },
  inlineLimit: { kind: 'number', env: 'KILN_INLINE_LIMIT', default: 0, arg: 'BYTES', shownDefault: '0 (off)', describe: 'Inline CSS url() targets up to N bytes' },
  compress: { kind: 'encodings', env: 'KILN_COMPRESS', default: ['br', 'gzip'], arg: 'br,gzip', describe: 'Precompressed variants: br, gzip, or false' },
  brotliQuality: { kind: 'number', env: 'KILN_BROTLI_QUALITY', default: 11, arg: 'N', describe: 'Brotli quality (0-11)', max: 11 },
  gzipLevel: { kind: 'number', env: 'KILN_GZIP_LEVEL', default: 9, arg: 'N', describe: 'Gzip level (1-9)', min: 1, max: 9 },
  compressSourceMaps: { kind: 'boolean', env: 'KILN_COMPRESS_SOURCE_MAPS', default: false, describe: 'Precompress source maps too' },
  // null: the default depends on the project (config.ts), so a build never creates a node_modules the app does not have.
  cacheDir: { kind: 'string', env: 'KILN_CACHE_DIR', default: null, arg: 'DIR', shownDefault: 'node_modules/.cache/kiln when the project has node_modules, else .kiln-cache', describe: 'Persistent build cache directory' },
  verifyCache: { kind: 'boolean', env: 'KILN_VERIFY_CACHE', default: false, describe: 'Re-hash every static file and report cache mismatches' },
  verify: { kind: 'boolean', env: 'KILN_VERIFY', default: false, describe: 'Hash every output file and rewrite any whose bytes are wrong' },
}

export const OPTION_NAMES = Object.keys(OPTIONS) as (keyof KilnConfig)[]

/** Identity helper that gives config files types and editor completion. */
export function defineConfig(config: KilnConfig): KilnConfig {
  return config
}

function typeOk(spec: OptionSpec, value: unknown): boolean {
  switch (spec.kind) {
    case 'string[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'string')
    case 'encodings':
      return value === false || (Array.isArray(value) && value.every((v) => (ENCODINGS as unknown[]).includes(v)))
    case 'number':
      return typeof value === 'number' && Number.isInteger(value) && value >= (spec.min ?? 0) && value <= (spec.max ?? Number.MAX_SAFE_INTEGER)
    default:
      return typeof value === spec.kind
  }
}

/** Checks a config object's keys and types; `source` names where it came from (a file). */
export function validateConfig(config: unknown, source: string): KilnConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw buildError(`${source} must export an object (use defineConfig({ … }))`, { file: source, line: 1, column: 0 })
  }
  const errors: KilnError[] = []
  for (const [key, value] of Object.entries(config)) {
    const spec = OPTIONS[key as keyof KilnConfig]
    if (!spec) {
      const near = closest(key, OPTION_NAMES)
      errors.push(buildError(`Unknown option "${key}" in ${source}`, { file: source, line: 1, column: 0 },
        near.length ? `did you mean "${near[0]}"?` : `valid options: ${OPTION_NAMES.join(', ')}`))
    } else if (value !== undefined && !typeOk(spec, value)) {
      errors.push(buildError(`Option "${key}" in ${source} must be ${describeKind(spec)}, got ${JSON.stringify(value)}`,
        { file: source, line: 1, column: 0 }))
    }
  }
  if (errors.length) throw new KilnError(errors.flatMap((e) => e.errors))
  return config as KilnConfig
}

function describeKind(spec: OptionSpec): string {
  if (spec.kind === 'number') return `a whole number from ${spec.min ?? 0}${spec.max === undefined ? ' up' : ` to ${spec.max}`}`
  return { string: 'a string', boolean: 'true or false', 'string[]': 'an array of strings', encodings: 'false or a list of "br", "gzip"' }[spec.kind]
}

/** Reads KILN_* variables; a value that cannot be parsed is a usage error naming the variable. */
export function configFromEnv(env: NodeJS.ProcessEnv): KilnConfig {
  const out: Record<string, unknown> = {}
  for (const name of OPTION_NAMES) {
    const spec = OPTIONS[name]
    const raw = env[spec.env]
    if (raw === undefined || raw === '') continue
    out[name] = parseEnv(spec, raw)
  }
  return out as KilnConfig
}

function parseEnv(spec: OptionSpec, raw: string): unknown {
  switch (spec.kind) {
    case 'string':
      return raw
    case 'string[]':
      return raw.split(',').map((s) => s.trim()).filter(Boolean)
    case 'number': {
      const n = Number(raw)
      if (!typeOk(spec, n)) throw usageError(`${spec.env}=${raw} is not ${describeKind(spec)}`)
      return n
    }
    case 'encodings': {
      if (/^(0|false|no|off|none)$/i.test(raw)) return false
      const list = raw.split(',').map((s) => s.trim()).filter(Boolean)
      if (!typeOk(spec, list)) throw usageError(`${spec.env}=${raw} is not ${describeKind(spec)}`)
      return list
    }
    case 'boolean': {
      if (/^(1|true|yes|on)$/i.test(raw)) return true
      if (/^(0|false|no|off)$/i.test(raw)) return false
      throw usageError(`${spec.env}=${raw} is not a boolean`, 'use true or false')
    }
  }
}

/** Highest precedence first: flags/API overrides, environment, config file, defaults. */
export function mergeOptions(...layers: KilnConfig[]): MergedOptions {
  const merged: Record<string, unknown> = {}
  for (const name of OPTION_NAMES) {
    const layer = layers.find((l) => l[name] !== undefined)
    merged[name] = layer ? layer[name] : OPTIONS[name].default
  }
  return merged as MergedOptions
}
