// Build mode and public environment: what scripts see as import.meta.env and
// process.env.NODE_ENV, plus the config's `define`, as one esbuild `define` table.
//
// Variables come from the environment and from `.env`, `.env.local`, `.env.<mode>`,
// `.env.<mode>.local` in the project root (later files win; the environment wins over every
// file). Only names with a public prefix (default KILN_PUBLIC_) are exposed, never Kiln's own
// option variables (KILN_PUBLIC_PATH); nothing else from the environment reaches a script.
import fs from 'node:fs'
import path from 'node:path'
import { displayPath, locate, message, type Location, type Message } from '../diagnostics.js'
import { OPTION_VARIABLES as OPTIONS_VARIABLES } from '../options.js'

export interface PublicEnv {
  /** Exposed variables, by name (sorted). */
  vars: Record<string, string>
  /** The .env files that exist, in load order. */
  files: string[]
  /** Lines of .env files that are not `NAME=value`, a comment or blank. */
  warnings: Message[]
}

/** The .env files of a mode, lowest precedence first. */
export function envFileNames(mode: string): string[] {
  return ['.env', '.env.local', `.env.${mode}`, `.env.${mode}.local`]
}

/** Kiln's own variables are options, not values for the app, even when they carry the prefix. */
const OPTION_VARIABLES = new Set(OPTIONS_VARIABLES)

export function loadPublicEnv(cwd: string, mode: string, prefixes: readonly string[], environment: NodeJS.ProcessEnv): PublicEnv {
  const fromFiles: Record<string, RawValue> = {}
  const files: string[] = []
  const warnings: Message[] = []
  for (const name of envFileNames(mode)) {
    const file = path.join(cwd, name)
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'EISDIR') continue
      throw err
    }
    files.push(file)
    const parsed = parseDotenv(text, displayPath(file, cwd), warnings)
    Object.assign(fromFiles, parsed)
  }
  // The environment wins over every file, as in Vite and dotenv; references expand against both.
  const lookup = (name: string): string | RawValue | undefined => environment[name] ?? fromFiles[name]
  const vars: Record<string, string> = {}
  const isPublic = (name: string) => prefixes.some((p) => name.startsWith(p)) && !OPTION_VARIABLES.has(name)
  for (const [name, raw] of Object.entries(fromFiles)) if (isPublic(name)) vars[name] = expand(raw, lookup)
  for (const [name, value] of Object.entries(environment)) if (value !== undefined && isPublic(name)) vars[name] = value
  return { vars: Object.fromEntries(Object.entries(vars).sort(([a], [b]) => (a < b ? -1 : 1))), files, warnings }
}

/** A value that came from a .env file and may hold ${NAME} references (not single-quoted ones). */
interface RawValue {
  text: string
  expand: boolean
}

const ENTRY = /^\s*(?:export\s+)?([A-Za-z_][\w.-]*)\s*=\s*/

/**
 * dotenv's syntax: `NAME=value`, optional `export `, `#` comments (also after an unquoted
 * value), '…' literal, "…" with \n escapes, `…`; quoted values may span lines.
 */
export function parseDotenv(text: string, shown: string, warnings: Message[]): Record<string, RawValue> {
  const out: Record<string, RawValue> = {}
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')
  let pos = 0
  while (pos < src.length) {
    const end = src.indexOf('\n', pos) < 0 ? src.length : src.indexOf('\n', pos)
    const line = src.slice(pos, end)
    if (/^\s*(#|$)/.test(line)) {
      pos = end + 1
      continue
    }
    const m = ENTRY.exec(line)
    if (!m) {
      warnings.push(message(`Ignored a line of ${shown}: not NAME=value`, at(shown, src, pos), 'write NAME=value, or start the line with # to make it a comment'))
      pos = end + 1
      continue
    }
    const name = m[1]!
    const i = pos + m[0].length
    const q = src[i]
    if (q === '"' || q === "'" || q === '`') {
      const close = findClose(src, i + 1, q)
      if (close < 0) {
        warnings.push(message(`Ignored ${name} in ${shown}: its ${q} quote is never closed`, at(shown, src, i)))
        pos = end + 1
        continue
      }
      let value = src.slice(i + 1, close)
      if (q === '"') value = value.replace(/\\([nr"\\])/g, (_, c: string) => ({ n: '\n', r: '\r', '"': '"', '\\': '\\' })[c]!)
      out[name] = { text: value, expand: q !== "'" }
      const next = src.indexOf('\n', close)
      pos = next < 0 ? src.length : next + 1
      continue
    }
    // As dotenv: in an unquoted value, # starts a comment.
    const value = line.slice(m[0].length).split('#')[0]!.trim()
    out[name] = { text: value, expand: true }
    pos = end + 1
  }
  return out
}

function findClose(src: string, from: number, q: string): number {
  for (let i = from; i < src.length; i++) {
    if (src[i] === '\\' && q !== "'") i++
    else if (src[i] === q) return i
  }
  return -1
}

function at(shown: string, src: string, offset: number): Location {
  return locate(shown, src, offset)
}

/** dotenv-expand's references: ${NAME}, ${NAME:-default}, $NAME; \$ is a literal dollar. */
function expand(raw: RawValue, lookup: (name: string) => string | RawValue | undefined, depth = 0): string {
  if (!raw.expand) return raw.text
  return raw.text.replace(/\\\$|\$\{([A-Za-z_]\w*)(?::?-([^}]*))?\}|\$([A-Za-z_]\w*)/g, (whole, braced?: string, fallback?: string, bare?: string) => {
    if (whole === '\\$') return '$'
    const v = lookup((braced ?? bare)!)
    if (v === undefined || v === '') return fallback ?? ''
    if (typeof v === 'string') return v
    return depth > 8 ? v.text : expand(v, lookup, depth + 1)
  })
}

export interface DefineInput {
  mode: string
  publicPath: string
  env: Record<string, string>
  /** The config's define: wins over Kiln's entries. */
  define: Record<string, string>
}

/** process.env.NODE_ENV is "development" only in development mode: a build is a production build. */
export function nodeEnvOf(mode: string): 'production' | 'development' {
  return mode === 'development' ? 'development' : 'production'
}

/**
 * esbuild's define table. `import.meta.env` is one object (so `const env = import.meta.env`
 * and a missing name give undefined, never a reference to something unbundled), and each
 * known name is also defined on its own so `if (import.meta.env.DEV)` folds away.
 */
export function defineTable(input: DefineInput): Record<string, string> {
  const nodeEnv = nodeEnvOf(input.mode)
  const env: Record<string, string | boolean> = {
    BASE_URL: input.publicPath,
    DEV: nodeEnv !== 'production',
    MODE: input.mode,
    PROD: nodeEnv === 'production',
    SSR: false,
    ...input.env,
  }
  const table: Record<string, string> = { 'process.env.NODE_ENV': JSON.stringify(nodeEnv), 'import.meta.env': JSON.stringify(env) }
  for (const [name, value] of Object.entries(env)) if (/^[A-Za-z_$][\w$]*$/.test(name)) table[`import.meta.env.${name}`] = JSON.stringify(value)
  return { ...table, ...input.define }
}

/** Where a define key is written in the config file, for an error esbuild gives without one. */
export function defineLocation(configFile: string | null, cwd: string, key: string): Location | null {
  if (!configFile) return null
  try {
    const text = fs.readFileSync(configFile, 'utf8')
    const quoted = [JSON.stringify(key), `'${key}'`, key].map((k) => text.indexOf(k)).find((i) => i >= 0)
    const define = text.search(/\bdefine\b/)
    const offset = quoted ?? (define >= 0 ? define : 0)
    return locate(displayPath(configFile, cwd), text, offset)
  } catch {
    return { file: displayPath(configFile, cwd), line: 1, column: 0 }
  }
}
