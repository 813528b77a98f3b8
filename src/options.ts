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
}

export type ResolvedOptions = Required<Omit<KilnConfig, 'entries'>> & { entries: string[] | null }

type Kind = 'string' | 'boolean' | 'number' | 'string[]'

interface OptionSpec {
  kind: Kind
  env: string
  default: unknown
  describe: string
}

export const OPTIONS: Record<keyof KilnConfig, OptionSpec> = {
  root: { kind: 'string', env: 'KILN_ROOT', default: 'assets', describe: 'Source directory' },
  out: { kind: 'string', env: 'KILN_OUT', default: 'public/assets', describe: 'Artifact directory' },
  publicPath: { kind: 'string', env: 'KILN_PUBLIC_PATH', default: '/assets/', describe: 'URL prefix of the artifact directory' },
  entries: { kind: 'string[]', env: 'KILN_ENTRIES', default: null, describe: 'Entry globs relative to the root (repeatable)' },
  minify: { kind: 'boolean', env: 'KILN_MINIFY', default: true, describe: 'Minify JS and CSS' },
  sourcemap: { kind: 'boolean', env: 'KILN_SOURCEMAP', default: true, describe: 'Write external source maps' },
  strict: { kind: 'boolean', env: 'KILN_STRICT', default: false, describe: 'Treat warnings as errors' },
  inlineLimit: { kind: 'number', env: 'KILN_INLINE_LIMIT', default: 0, describe: 'Inline CSS url() targets up to N bytes' },
}

export const OPTION_NAMES = Object.keys(OPTIONS) as (keyof KilnConfig)[]

/** Identity helper that gives config files types and editor completion. */
export function defineConfig(config: KilnConfig): KilnConfig {
  return config
}

function typeOk(kind: Kind, value: unknown): boolean {
  if (kind === 'string[]') return Array.isArray(value) && value.every((v) => typeof v === 'string')
  if (kind === 'number') return typeof value === 'number' && Number.isFinite(value) && value >= 0
  return typeof value === kind
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
    } else if (value !== undefined && !typeOk(spec.kind, value)) {
      errors.push(buildError(`Option "${key}" in ${source} must be ${describeKind(spec.kind)}, got ${JSON.stringify(value)}`,
        { file: source, line: 1, column: 0 }))
    }
  }
  if (errors.length) throw new KilnError(errors.flatMap((e) => e.errors))
  return config as KilnConfig
}

function describeKind(kind: Kind): string {
  return { string: 'a string', boolean: 'true or false', number: 'a non-negative number', 'string[]': 'an array of strings' }[kind]
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
      if (!Number.isFinite(n) || n < 0) throw usageError(`${spec.env}=${raw} is not a non-negative number`)
      return n
    }
    case 'boolean': {
      if (/^(1|true|yes|on)$/i.test(raw)) return true
      if (/^(0|false|no|off)$/i.test(raw)) return false
      throw usageError(`${spec.env}=${raw} is not a boolean`, 'use true or false')
    }
  }
}

/** Highest precedence first: flags/API overrides, environment, config file, defaults. */
export function mergeOptions(...layers: KilnConfig[]): ResolvedOptions {
  const merged: Record<string, unknown> = {}
  for (const name of OPTION_NAMES) {
    const layer = layers.find((l) => l[name] !== undefined)
    merged[name] = layer ? layer[name] : OPTIONS[name].default
  }
  return merged as ResolvedOptions
}
