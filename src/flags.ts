// Command-line flags: one spec per flag, parsed with node:util's parseArgs (yargs cost
// ~120 ms of start-up on every run) and rendered into --help from the same spec. The build
// flags are generated from the options table, so a new option is a flag without more code.
import { parseArgs } from 'node:util'
import { closest } from './runtime/closest.js'
import { usageError } from './diagnostics.js'
import { OPTIONS, OPTION_NAMES, type KilnConfig } from './options.js'

export interface Flag {
  /** As typed, without dashes: 'public-path'. */
  name: string
  type: 'boolean' | 'string' | 'number' | 'list'
  describe: string
  /** Placeholder for the value in --help. */
  arg?: string
  /** Also accepts --no-NAME (booleans that default to on, --no-compress). */
  negatable?: boolean
  env?: string
  shownDefault?: string
  short?: string
}

export type FlagValues = Record<string, string | number | boolean | string[] | undefined>

export const JSON_FLAG: Flag = { name: 'json', type: 'boolean', describe: 'Print one JSON object on stdout and nothing else' }
export const QUIET_FLAG: Flag = { name: 'quiet', type: 'boolean', describe: 'Print only errors' }
export const VERBOSE_FLAG: Flag = { name: 'verbose', type: 'boolean', describe: 'Also print the project root, config file and per-step timings' }
export const HELP_FLAG: Flag = { name: 'help', short: 'h', type: 'boolean', describe: 'Show this help' }
export const CONFIG_FLAG: Flag = { name: 'config', type: 'string', arg: 'FILE', env: 'KILN_CONFIG', describe: 'Config file', shownDefault: 'kiln.config.{ts,mts,mjs,js,cjs,cts,json} in the project root' }

/** The flag that sets a build option: `entries` is typed `--entry`, one glob per flag; `formats` `--format`. */
export function flagName(option: keyof KilnConfig): string {
  return option === 'entries' ? 'entry' : option === 'formats' ? 'format' : option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}

/**
 * Every option but the config-only ones ('object': define, esbuild) is a flag; an object
 * option's settings with flags of their own (cache.remote: --remote-cache) are flags too.
 */
export const OPTION_FLAGS: Flag[] = OPTION_NAMES.flatMap((key): Flag[] => {
  const spec = OPTIONS[key]
  if (spec.kind === 'object') return Object.values(spec.fields ?? {}).map((f) => ({ name: f.flag, type: f.kind, arg: f.arg, describe: f.describe, env: f.env }))
  const type = spec.kind === 'boolean' ? 'boolean' : spec.kind === 'number' ? 'number' : spec.kind === 'string' ? 'string' : 'list'
  return [{
    name: flagName(key),
    type,
    arg: spec.arg,
    describe: spec.describe,
    env: spec.env,
    negatable: (spec.kind === 'boolean' && spec.default === true) || spec.kind === 'encodings',
    shownDefault: spec.shownDefault ?? (spec.default === null || spec.default === false ? undefined : Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)),
  }]
})

/** The out/config flags every command that reads a build's output takes. */
export const OUT_FLAGS: Flag[] = [OPTION_FLAGS.find((f) => f.name === 'out')!, CONFIG_FLAG]

export interface Parsed {
  values: FlagValues
  positionals: string[]
}

/** Parses argv against the command's flags; a mistake is a usage error naming the closest flag. */
export function parseFlags(argv: string[], flags: Flag[]): Parsed {
  const options: Record<string, { type: 'boolean' | 'string'; multiple?: boolean; short?: string }> = {}
  for (const f of flags) {
    options[f.name] = { type: f.type === 'boolean' ? 'boolean' : 'string', multiple: f.type === 'list', ...(f.short ? { short: f.short } : {}) }
    if (f.negatable) options[`no-${f.name}`] = { type: 'boolean' }
  }
  let tokens
  try {
    tokens = parseArgs({ args: argv, options, strict: true, allowPositionals: true, tokens: true }).tokens
  } catch (err) {
    throw usageError(explain(err as Error & { code?: string }, flags))
  }
  const values: FlagValues = {}
  const positionals: string[] = []
  for (const t of tokens) {
    if (t.kind === 'positional') positionals.push(t.value)
    if (t.kind !== 'option') continue
    const negated = t.name.startsWith('no-') && !flags.some((f) => f.name === t.name)
    const flag = flags.find((f) => f.name === (negated ? t.name.slice(3) : t.name))!
    if (negated) values[flag.name] = false
    else if (flag.type === 'boolean') values[flag.name] = true
    else if (flag.type === 'list') values[flag.name] = [...(Array.isArray(values[flag.name]) ? (values[flag.name] as string[]) : []), ...t.value!.split(',').map((v) => v.trim()).filter(Boolean)]
    else if (flag.type === 'number') values[flag.name] = t.value!.trim() !== '' && !Number.isNaN(Number(t.value)) ? Number(t.value) : t.value
    else values[flag.name] = t.value
  }
  return { values, positionals }
}

function explain(err: Error & { code?: string }, flags: Flag[]): string {
  const name = /'(-{1,2}[^' <]+)/.exec(err.message)?.[1] ?? ''
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const bare = name.replace(/^-+/, '').replace(/=.*$/, '')
    const known = flags.flatMap((f) => (f.negatable ? [f.name, `no-${f.name}`] : [f.name]))
    const near = closest(bare, known)
    return `Unknown option ${name}${near.length ? `; did you mean --${near[0]}?` : ''}`
  }
  if (/argument missing|ambiguous/.test(err.message)) {
    const flag = flags.find((f) => `--${f.name}` === name || `-${f.short}` === name)
    return `${name} needs a value${flag?.arg ? ` (${name} ${flag.arg})` : ''}`
  }
  if (/does not take an argument/.test(err.message)) {
    const flag = flags.find((f) => `--${f.name}` === name)
    return `${name} takes no value${flag?.negatable ? `; use ${name} or --no-${flag.name}` : ''}`
  }
  return err.message
}

/** The options part of a command's --help. */
export function renderFlags(flags: Flag[]): string {
  const rows = flags.map((f) => {
    const names = [f.short ? `-${f.short}, --${f.name}` : `--${f.name}`, ...(f.negatable ? [`--no-${f.name}`] : [])].join(', ')
    const left = f.type === 'boolean' || !f.arg ? names : `${names} ${f.arg}`
    const extra = [f.env ? `env ${f.env}` : '', f.shownDefault ? `default: ${f.shownDefault}` : ''].filter(Boolean).join('; ')
    return [left, `${f.describe}${extra ? ` [${extra}]` : ''}`]
  })
  const width = Math.min(34, Math.max(...rows.map(([l]) => l!.length)) + 2)
  return rows.map(([l, r]) => (l!.length + 2 > width ? `  ${l}\n  ${' '.repeat(width)}${r}` : `  ${l!.padEnd(width)}${r}`)).join('\n')
}
