// Checks a manifest (version 2). An app's boot pays for one JSON.parse and no more: opening
// checks the top level only, and each record is checked when it is first used (the runtime
// looks a name up, serve builds its routes); the commands that judge a whole build (verify,
// clean, publish, inspect) check every record up front. The parsed objects are checked in
// place and nothing is copied: JSON.parse output has no getters or Proxies (an object from
// anywhere else is first copied through JSON, see fromManifest). `assets` and `files` lose
// their prototype, so any name (`__proto__`, `constructor`) is an ordinary key.
import { ManifestError } from './errors.js'

export type Encoding = 'br' | 'gzip'

/** A file of the build: its integrity and size, and for an output its graph and variants. */
export interface FileRecord {
  readonly integrity: string
  readonly size: number
  readonly map?: string
  readonly css?: readonly string[]
  readonly imports?: readonly string[]
  readonly dynamicImports?: readonly string[]
  /** Encoding → the precompressed variant's file (whose own record is in `files`). */
  readonly encodings?: Readonly<Partial<Record<Encoding, string>>>
}

/** A dictionary without a prototype: reading a name it lacks gives undefined, whatever the name. */
export type Dict<T> = { readonly [key: string]: T | undefined }

export interface ValidManifest {
  /** Where it was read from, for messages. */
  readonly source: string
  readonly publicPath: string
  /** Logical name → output file. Opened only: read a name through checkAsset. */
  readonly assets: Dict<string>
  /** Output file → its record. Opened only: read a record through checkFile (validateManifest checked them all). */
  readonly files: Dict<FileRecord>
}

// Empty, absolute, backslash, NUL, empty segment, or a '.'/'..' segment: not a path inside the directory.
const UNSAFE_PATH = /^(\/|$)|\\|\0|\/\/|\/$|(^|\/)\.\.?(\/|$)/

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** A relative POSIX path that stays inside the artifact directory. */
export function isSafePath(p: unknown): p is string {
  return typeof p === 'string' && p.length <= 4096 && !UNSAFE_PATH.test(p)
}

// An SRI value's shape, at most 255 characters. Cheap on purpose: the value is only ever
// compared or HTML-escaped, never decoded.
const SRI = /^sha(256|384|512)-[^]{0,248}$/

const q = (v: unknown) => JSON.stringify(v)

/** Checks the top level of parsed JSON (plain data) as a version 2 manifest; throws ManifestError. */
export function openManifest(data: unknown, source: string): ValidManifest {
  const fail = (problem: string): never => {
    throw new ManifestError(source, problem)
  }
  if (!isObject(data)) fail('is not a JSON object')
  const m = data as Record<string, unknown>
  const v = m.version
  // Version 1 came from kiln-assets < 0.2.0; anything else is not a Kiln manifest this runtime can read.
  if (v !== 2) fail(`is a version ${q(v)} manifest${v === 1 ? ' (written by kiln-assets < 0.2.0)' : ''}; this runtime reads version 2: rebuild it with kiln-assets ≥ 0.2.0`)
  if (typeof m.publicPath !== 'string') fail('has no "publicPath" string')
  for (const k of ['files', 'assets']) Object.setPrototypeOf(isObject(m[k]) ? m[k] : fail(`has no "${k}" object`), null)
  m.source = source
  return m as unknown as ValidManifest
}

/** The file a logical name resolves to (in `files`; checkFile checks its record), or undefined when `assets` lacks the name. */
export function checkAsset(m: ValidManifest, name: string): string | undefined {
  const file: unknown = m.assets[name]
  if (file === undefined) return undefined
  if (typeof file !== 'string' || m.files[file] === undefined) throw new ManifestError(m.source, `assets[${q(name)}] names a file that is not in "files"`)
  return file
}

/**
 * A file's record, checked for what the runtime and serve use: its path stays inside the
 * artifact directory, its integrity and size have their shapes (a record that is no object
 * has neither), and the files its lists (css, imports) name are in `files`. Messages are built
 * only on failure. Code here is budgeted (the runtime's size), so it is terse.
 */
export function checkFile(m: ValidManifest, file: string): FileRecord {
  const r = m.files[file] as Record<string, unknown> | null | undefined
  const fail = failAt(m, file)
  if (!isSafePath(file)) fail(' is not a relative path inside the artifact directory')
  if (!SRI.test(typeof r?.integrity == 'string' ? r.integrity : '')) fail('.integrity is not an SRI hash')
  if (!(Number.isSafeInteger(r!.size) && (r!.size as number) >= 0)) fail('.size is not a byte count')
  lists(m, r!, ['css', 'imports'], fail)
  return r as unknown as FileRecord
}

const failAt = (m: ValidManifest, file: string) => (problem: string): never => {
  throw new ManifestError(m.source, `files[${q(file)}]${problem}`)
}

/** Each of the record's lists `keys` is an array of files in `files`. */
function lists(m: ValidManifest, r: Record<string, unknown>, keys: string[], fail: (problem: string) => never): void {
  for (const k of keys) {
    const list = r[k] ?? []
    if (!Array.isArray(list)) fail(`.${k} is not an array`)
    ;(list as unknown[]).forEach((v, i) => listed(m, v, fail, `.${k}[${i}]`))
  }
}

function listed(m: ValidManifest, v: unknown, fail: (problem: string) => never, field: string): void {
  if (typeof v !== 'string' || m.files[v] === undefined) fail(`${field} names a file that is not in "files"`)
}

/** Checks every record of an opened manifest, as checkFile and checkAsset do (a reload checks it whole). */
export function checkAll(m: ValidManifest): ValidManifest {
  for (const file in m.files) checkFile(m, file)
  for (const name in m.assets) checkAsset(m, name)
  return m
}

/**
 * Opens parsed JSON and checks every record, the fields only the build's own commands use
 * (map, encodings) too: for verify, clean, publish and inspect, which judge a whole build.
 */
export function validateManifest(data: unknown, source: string): ValidManifest {
  const m = checkAll(openManifest(data, source))
  for (const file in m.files) {
    const r = m.files[file]!
    const fail = failAt(m, file)
    lists(m, r as unknown as Record<string, unknown>, ['dynamicImports'], fail)
    if (r.map !== undefined) listed(m, r.map, fail, '.map')
    const enc: unknown = r.encodings
    if (enc === undefined) continue
    if (!isObject(enc)) fail('.encodings is not an object')
    for (const e in enc as object) {
      if (e !== 'br' && e !== 'gzip') fail(`.encodings has unknown encoding ${q(e)}`)
      listed(m, (enc as Record<string, unknown>)[e], fail, `.encodings.${e}`)
    }
  }
  return m
}
