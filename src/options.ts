// The one table of build options. The CLI, the environment, config files and the API
// all read it, so a new option is added in exactly one place.
import fs from 'node:fs'
import type { Plugin as EsbuildPlugin } from 'esbuild'
import { closest } from './runtime/closest.js'
import { usageError, buildError, KilnError, locate, type Location, type Message } from './diagnostics.js'
import { FORMAT_NAMES, type FormatName } from './formats/names.js'
import { checkBudgets, type Budgets } from './report/budget-config.js'
import { checkPublishConfig, checkS3Url, CREDENTIAL_KEYS, redactCredentials, type NestedProblem, type PublishConfig } from './publish-config.js'

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
  /** External source maps for JS. Default true. */
  sourcemap?: boolean
  /**
   * External source maps for CSS entries too. Default false: as in Vite's and Rsbuild's
   * builds, a stylesheet carries no map unless asked (and a build makes none faster).
   */
  cssSourcemap?: boolean
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
  /**
   * Build mode, also for kiln watch: "production" (default), "development" or a name of your
   * own ("staging"). It picks the .env.<mode> files and is import.meta.env.MODE;
   * process.env.NODE_ENV is "development" in development mode and "production" in any other.
   */
  mode?: string
  /**
   * Global expressions replaced in scripts, as esbuild's `define`: each value is a JS
   * expression as a string (`JSON.stringify('1.2.3')`, `'true'`). Config only.
   */
  define?: Record<string, string>
  /** Variables (environment, .env files) with one of these prefixes are exposed as import.meta.env.NAME; nothing else is. Default ['KILN_PUBLIC_']. */
  envPrefix?: string[]
  /** Passed to esbuild. `plugins`: esbuild plugins, run after Kiln's import queries and before Kiln's static-file and stylesheet handling. Config only. */
  esbuild?: EsbuildSettings
  /**
   * Also write the manifests other ecosystems' helpers read, merged into any that another tool
   * wrote: "sprockets" (Rails' sprockets-rails), "propshaft", "django" (staticfiles.json,
   * WhiteNoise), "vite" (.vite/manifest.json: Laravel, AdonisJS, django-vite, vite_ruby). Default none.
   */
  formats?: FormatName[]
  /**
   * Size budgets: an entry name or glob → its initial load (the entry, its static imports, its
   * CSS) as '150 kB', a number of bytes or { initial: '150 kB', gzip: true }; `total` → every
   * file a browser may fetch. Over budget is an error with strict or CI set, else a warning. Config only.
   */
  budgets?: Budgets
  /** Append a Markdown table of each entry's initial size and its change to this file (relative to the project); $GITHUB_STEP_SUMMARY too when it is set. */
  summary?: string
  /** A base build's manifest.json to compare sizes with (the terminal table, --summary). Default: the last build's. */
  compare?: string
  /** Also write report.html next to the manifest: sizes per entry, a treemap by module, statics, the change since the last build. */
  report?: boolean
  /**
   * kiln publish's settings: { target: 's3://bucket/prefix', endpoint, region, concurrency,
   * variants }; flags and AWS_* variables win over them. Credentials (accessKeyId,
   * secretAccessKey, sessionToken) only in a JS/TS config, read from process.env. Config only.
   */
  publish?: PublishConfig
  /**
   * The remote build cache: compile results stored by content key under an S3 prefix and
   * fetched before compiling (`remote: 's3://bucket/prefix'`); `readOnly: true` fetches
   * and never writes (untrusted branches). Endpoint and credentials as for kiln publish.
   */
  cache?: CacheSettings
}

export interface CacheSettings {
  remote?: string
  readOnly?: boolean
}

export interface EsbuildSettings {
  plugins?: EsbuildPlugin[]
}

export type Encoding = 'br' | 'gzip'
export const ENCODINGS: readonly Encoding[] = ['br', 'gzip']

export type ResolvedOptions = Required<Omit<KilnConfig, 'entries'>> & { entries: string[] | null }

/** Before the project-dependent defaults are filled in (config.ts): cacheDir is null when nothing set it. */
export type MergedOptions = Omit<ResolvedOptions, 'cacheDir'> & { cacheDir: string | null }

/** 'object': config files and the API only (no flag, no environment variable). */
type Kind = 'string' | 'boolean' | 'number' | 'string[]' | 'encodings' | 'object'

interface OptionSpec {
  kind: Kind
  /** The KILN_* variable; none for 'object' options. */
  env?: string
  default: unknown
  describe: string
  /** The value's placeholder in --help (DIR, URL, N). */
  arg?: string
  /** The default as --help says it, where the value alone would mislead. */
  shownDefault?: string
  min?: number
  max?: number
  /** A check beyond the kind: what is wrong with the value ("define.X must be a string"), or null. */
  check?: (value: unknown) => string | null
  /** What the value must be, for 'object' options' messages. */
  expect?: string
  /** Checks inside an 'object' option whose problems are reported at the inner key; `json`: the value comes from a JSON config. */
  nested?: (value: Record<string, unknown>, from: { json: boolean }) => NestedProblem[]
  /** An object option whose settings are also flags and variables of their own (cache.remote: --remote-cache). */
  fields?: Record<string, FieldSpec>
}

/** One setting of an object option, with its own flag and variable. */
export interface FieldSpec {
  kind: 'string' | 'boolean'
  flag: string
  env: string
  describe: string
  arg?: string
  check?: (value: unknown) => string | null
}

export const OPTIONS: Record<keyof KilnConfig, OptionSpec> = {
  root: { kind: 'string', env: 'KILN_ROOT', default: 'assets', arg: 'DIR', describe: 'Source directory' },
  out: { kind: 'string', env: 'KILN_OUT', default: 'public/assets', arg: 'DIR', describe: 'Artifact directory' },
  publicPath: { kind: 'string', env: 'KILN_PUBLIC_PATH', default: '/assets/', arg: 'URL', describe: 'URL prefix of the artifact directory' },
  entries: { kind: 'string[]', env: 'KILN_ENTRIES', default: null, arg: 'GLOB', shownDefault: 'JS/TS/CSS files directly in the root', describe: 'Entry globs relative to the root (repeatable)' },
  minify: { kind: 'boolean', env: 'KILN_MINIFY', default: true, describe: 'Minify JS and CSS' },
  sourcemap: { kind: 'boolean', env: 'KILN_SOURCEMAP', default: true, describe: 'Write external source maps' },
  cssSourcemap: { kind: 'boolean', env: 'KILN_CSS_SOURCEMAP', default: false, describe: 'Write source maps for CSS entries too' },
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
  mode: { kind: 'string', env: 'KILN_MODE', default: 'production', arg: 'NAME', describe: 'Build mode: production, development or your own (.env.<mode>, import.meta.env.MODE)', check: checkMode },
  define: { kind: 'object', default: Object.freeze({}), describe: 'Global expressions replaced in scripts (as esbuild define)', expect: 'an object of JS expressions as strings', check: checkDefine },
  envPrefix: { kind: 'string[]', env: 'KILN_ENV_PREFIX', default: Object.freeze(['KILN_PUBLIC_']), arg: 'PREFIX', describe: 'Prefixes of variables exposed as import.meta.env.* (repeatable)', check: checkPrefixes },
  esbuild: { kind: 'object', default: Object.freeze({}), describe: 'esbuild settings passed through: { plugins }', expect: 'an object: { plugins: [...] }', check: checkEsbuild },
  formats: { kind: 'string[]', env: 'KILN_FORMATS', default: Object.freeze([]), arg: 'NAME', shownDefault: 'none', describe: `Also write other ecosystems' manifests: ${FORMAT_NAMES.join(', ')} (repeatable)`, check: checkFormats },
  budgets: { kind: 'object', default: Object.freeze({}), describe: "Size budgets: { 'app.ts': { initial: '150 kB', gzip: true }, '*.css': '50 kB', total: '5 MB' }", expect: "an object of sizes: { 'app.ts': '150 kB', total: '5 MB' }", check: checkBudgets },
  summary: { kind: 'string', env: 'KILN_SUMMARY', default: '', arg: 'FILE', shownDefault: '$GITHUB_STEP_SUMMARY when set', describe: "Append a Markdown table of entries' initial sizes and changes" },
  compare: { kind: 'string', env: 'KILN_COMPARE', default: '', arg: 'MANIFEST', shownDefault: "the last build's manifest", describe: 'Base manifest.json the sizes are compared with' },
  report: { kind: 'boolean', env: 'KILN_REPORT', default: false, describe: 'Also write report.html (sizes, treemap, changes) next to the manifest' },
  publish: { kind: 'object', default: Object.freeze({}), describe: "kiln publish settings: { target: 's3://bucket/prefix', endpoint, region, concurrency, variants }", expect: "an object: { target: 's3://bucket/prefix', endpoint, region, concurrency, variants }", nested: checkPublishConfig },
  cache: {
    kind: 'object', default: Object.freeze({}), describe: "Remote build cache: { remote: 's3://bucket/prefix', readOnly: true }", expect: "an object: { remote: 's3://bucket/prefix', readOnly: false }", nested: checkFields,
    fields: {
      remote: { kind: 'string', flag: 'remote-cache', env: 'KILN_REMOTE_CACHE', arg: 'S3-URL', describe: 'Remote build cache on S3 (s3://bucket/prefix; endpoint and credentials as kiln publish)', check: remoteProblem },
      readOnly: { kind: 'boolean', flag: 'remote-cache-read-only', env: 'KILN_REMOTE_CACHE_READ_ONLY', describe: 'Use the remote cache without ever writing to it (untrusted branches)' },
    },
  },
}

/** Every KILN_* variable that sets an option (transforms/env.ts never exposes these to the app). */
export const OPTION_VARIABLES: readonly string[] = Object.values(OPTIONS).flatMap((o) => [...(o.env ? [o.env] : []), ...Object.values(o.fields ?? {}).map((f) => f.env)])

/** An object option's settings that have flags of their own (cache): known names, of the right kinds, each reported at its key. */
function checkFields(value: Record<string, unknown>): NestedProblem[] {
  const fields = OPTIONS.cache.fields!
  const problems: NestedProblem[] = []
  for (const [key, v] of Object.entries(value)) {
    const field = fields[key]
    if (!field) {
      const near = closest(key, Object.keys(fields))
      problems.push({ key, text: 'is not a cache setting', hint: near.length ? `did you mean "${near[0]}"?` : `cache settings: ${Object.keys(fields).join(', ')}` })
    } else if (v !== undefined && typeof v !== field.kind) {
      problems.push({ key, text: `must be ${field.kind === 'string' ? 'a string' : 'true or false'}, got ${describeValue(v)}` })
    } else if (v !== undefined && field.check?.(v)) {
      problems.push({ key, text: field.check(v)! })
    }
  }
  return problems
}

/** The s3:// URL of the remote cache, checked as kiln publish's target is. */
function remoteProblem(value: unknown): string | null {
  const c = checkS3Url(String(value))
  return c.problem === undefined ? null : `is not usable: ${c.problem}`
}

function checkFormats(value: unknown): string | null {
  const unknown = Array.isArray(value) ? value.find((f) => !(FORMAT_NAMES as readonly unknown[]).includes(f)) : undefined
  if (unknown === undefined) return null
  const near = closest(String(unknown), FORMAT_NAMES)
  return `lists an unknown format ${JSON.stringify(unknown)}${near.length ? `; did you mean "${near[0]}"?` : ''} (formats: ${FORMAT_NAMES.join(', ')})`
}

/** A mode names .env.<mode> files: a plain name, and never "local" (.env.local is loaded in every mode). */
function checkMode(value: unknown): string | null {
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(value)) return 'must be a name such as "production", "development" or "staging" (letters, digits, ".", "_", "-")'
  return value === 'local' ? 'cannot be "local": .env.local is loaded in every mode' : null
}

function checkDefine(value: unknown): string | null {
  if (!isPlainObject(value)) return null
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') return `"${key}" must be a JS expression as a string, got ${describeValue(v)}; write ${JSON.stringify(key)}: JSON.stringify(${describeValue(v)})`
  }
  return null
}

function checkPrefixes(value: unknown): string | null {
  return Array.isArray(value) && value.some((p) => p === '') ? 'cannot contain an empty prefix: it would expose every variable of the environment' : null
}

function checkEsbuild(value: unknown): string | null {
  if (!isPlainObject(value)) return null
  for (const key of Object.keys(value)) {
    if (key !== 'plugins') return `has no setting "${key}": Kiln passes only "plugins" to esbuild (it sets the rest itself)`
  }
  const plugins = value.plugins
  if (plugins === undefined) return null
  if (!Array.isArray(plugins)) return `plugins must be an array of esbuild plugins, got ${describeValue(plugins)}`
  for (const [i, p] of plugins.entries()) {
    if (typeof p === 'function') return `plugins[${i}] is a function, not an esbuild plugin: call it (plugins: [${p.name || 'plugin'}()])`
    if (!isPlainObject(p) && !(p !== null && typeof p === 'object')) return `plugins[${i}] is not an esbuild plugin (an object with "name" and "setup"), got ${describeValue(p)}`
    const plugin = p as { name?: unknown; setup?: unknown }
    if (typeof plugin.name !== 'string' || typeof plugin.setup !== 'function') return `plugins[${i}] is not an esbuild plugin: it needs a string "name" and a "setup" function`
  }
  return null
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

function describeValue(v: unknown): string {
  if (typeof v === 'function') return 'a function'
  try {
    return JSON.stringify(v) ?? String(v)
  } catch {
    return String(v)
  }
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
    case 'object':
      return isPlainObject(value)
    default:
      return typeof value === spec.kind
  }
}

/**
 * Checks a config object's keys and types; `source` names where it came from (a file, as
 * shown), `file` is that file's path when there is one: messages point at the key's line.
 */
export function validateConfig(config: unknown, source: string, file?: string): KilnConfig {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw buildError(`${source} must export an object (use defineConfig({ … }))`, { file: source, line: 1, column: 0 })
  }
  const errors: KilnError[] = []
  const at = (key: string) => keyLocation(source, file, key)
  for (const [key, value] of Object.entries(config)) {
    const spec = OPTIONS[key as keyof KilnConfig]
    if (!spec) {
      const near = closest(key, OPTION_NAMES)
      errors.push(buildError(`Unknown option "${key}" in ${source}`, at(key),
        near.length ? `did you mean "${near[0]}"?` : `valid options: ${OPTION_NAMES.join(', ')}`))
    } else if (value !== undefined && !typeOk(spec, value)) {
      errors.push(buildError(`Option "${key}" in ${source} must be ${describeKind(spec)}, got ${describeValue(value)}`, at(key)))
    } else if (value !== undefined && spec.check) {
      const problem = spec.check(value)
      if (problem) errors.push(buildError(`Option "${key}" in ${source} ${problem}`, at(key)))
    } else if (value !== undefined && spec.nested) {
      for (const p of spec.nested(value as Record<string, unknown>, { json: !!file?.endsWith('.json') })) {
        errors.push(buildError(`Option "${key}.${p.key}" in ${source} ${p.text}`, keyLocation(source, file, key, p.key), p.hint))
      }
    }
  }
  if (errors.length) throw new KilnError(errors.flatMap((e) => e.errors).map((m) => withoutCredentials(m, config)))
  return config as KilnConfig
}

/** A message about a config that may hold credentials (publish.secretAccessKey …), their values taken out of its text and quoted line. */
function withoutCredentials(m: Message, config: object): Message {
  const publish = (config as { publish?: unknown }).publish
  const known = isPlainObject(publish) ? CREDENTIAL_KEYS.map((k) => publish[k]).filter((v): v is string => typeof v === 'string') : []
  const clean = (t: string) => redactCredentials(t, known)
  return {
    ...m,
    text: clean(m.text),
    location: m.location && { ...m.location, lineText: m.location.lineText === undefined ? undefined : clean(m.location.lineText) },
    notes: m.notes.map((n) => ({ ...n, text: clean(n.text) })),
  }
}

/** Where a key is written in a config file (its first `key:` or `"key"`; `inner`: the first one of that after it), else line 1. */
function keyLocation(source: string, file: string | undefined, key: string, inner?: string): Location {
  if (file) {
    try {
      const text = fs.readFileSync(file, 'utf8')
      const find = (name: string, from: number) => {
        const re = new RegExp(`(["']?)\\b${name.replace(/[^\w$]/g, '')}\\b\\1\\s*:`, 'g')
        re.lastIndex = from
        return re.exec(text)
      }
      const outer = find(key, 0)
      // An inner key not found after its parent (built by a spread, say): the parent's place.
      const m = (outer && inner !== undefined ? find(inner, outer.index + outer[0].length) : null) ?? outer
      if (m) return locate(source, text, m.index)
    } catch {
      // Unreadable now: the file is enough.
    }
  }
  return { file: source, line: 1, column: 0 }
}

function describeKind(spec: OptionSpec): string {
  if (spec.kind === 'number') return `a whole number from ${spec.min ?? 0}${spec.max === undefined ? ' up' : ` to ${spec.max}`}`
  if (spec.kind === 'object') return spec.expect ?? 'an object'
  return { string: 'a string', boolean: 'true or false', 'string[]': 'an array of strings', encodings: 'false or a list of "br", "gzip"' }[spec.kind]
}

/** Reads KILN_* variables; a value that cannot be parsed is a usage error naming the variable. */
export function configFromEnv(env: NodeJS.ProcessEnv): KilnConfig {
  const out: Record<string, unknown> = {}
  for (const name of OPTION_NAMES) {
    const spec = OPTIONS[name]
    for (const [field, f] of Object.entries(spec.fields ?? {})) {
      const raw = env[f.env]
      if (raw === undefined || raw === '') continue
      const value = parseEnv({ kind: f.kind, env: f.env, default: undefined, describe: f.describe }, raw)
      const problem = f.check?.(value)
      if (problem) throw usageError(`${f.env}=${raw} ${problem}`)
      out[name] = { ...(out[name] as object | undefined), [field]: value }
    }
    const raw = spec.env ? env[spec.env] : undefined
    if (raw === undefined || raw === '') continue
    const value = parseEnv(spec, raw)
    const problem = spec.check?.(value)
    if (problem) throw usageError(`${spec.env}=${raw} ${problem}`)
    out[name] = value
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
    case 'object':
      throw usageError(`${spec.env} cannot be set from the environment`)
  }
}

/** Highest precedence first: flags/API overrides, environment, config file, defaults. */
export function mergeOptions(...layers: KilnConfig[]): MergedOptions {
  const merged: Record<string, unknown> = {}
  for (const name of OPTION_NAMES) {
    const layer = layers.find((l) => l[name] !== undefined)
    merged[name] = layer ? layer[name] : OPTIONS[name].default
    // Settings merge one by one: --remote-cache-read-only keeps the config file's cache.remote.
    const fields = OPTIONS[name].fields
    if (fields) merged[name] = Object.fromEntries(Object.keys(fields).flatMap((f) => {
      const value = layers.map((l) => (l[name] as Record<string, unknown> | undefined)?.[f]).find((v) => v !== undefined)
      return value === undefined ? [] : [[f, value]]
    }))
  }
  return merged as MergedOptions
}
