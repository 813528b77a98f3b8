// Checks an untrusted value (parsed JSON, or anything a caller passes) against manifest v1.
// Every field is read once, checked, and that value is what the result holds: the result is
// a fresh copy, so a getter or Proxy that answers differently the next time cannot change a
// manifest after it was checked. Whatever reading the value throws (a getter, a Proxy trap)
// becomes a ManifestError; names live in Maps, so `__proto__` or `constructor` are ordinary
// keys. It runs at every boot on manifests of 10,000+ assets, so it copies only records.
import { ManifestError } from './errors.js'

export interface FileRecord {
  readonly integrity: string
  readonly size: number
}

export interface Encoding {
  readonly file: string
  readonly size: number
}

export interface AssetRecord extends FileRecord {
  readonly file: string
  readonly type: string
  readonly map?: string
  readonly css?: readonly string[]
  readonly imports?: readonly string[]
  readonly dynamicImports?: readonly string[]
  readonly encodings?: Readonly<Partial<Record<'br' | 'gzip', Encoding>>>
}

export interface ValidManifest {
  publicPath: string
  assets: Map<string, AssetRecord>
  files: Map<string, FileRecord>
}

// Absolute, backslash, NUL, empty segment, or a '.'/'..' segment: not a path inside the directory.
const UNSAFE_PATH = /^\/|\\|\0|\/\/|\/$|(?:^|\/)\.\.?(?:\/|$)/

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** A relative POSIX path that stays inside the artifact directory. */
export function isSafePath(p: unknown): p is string {
  return typeof p === 'string' && p !== '' && p.length <= 4096 && !UNSAFE_PATH.test(p)
}

const SRI = /^sha(?:256|384|512)-/

/** An SRI value's shape. Cheap on purpose (it runs 20,000 times at a boot): the value is
 *  only ever compared or HTML-escaped, never decoded. */
function isIntegrity(v: unknown): v is string {
  return typeof v === 'string' && v.length < 256 && SRI.test(v)
}

function isSize(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

const q = (s: string) => JSON.stringify(s)

export function validateManifest(data: unknown, source: string): ValidManifest {
  let verdict: unknown
  const fail = (problem: string): never => {
    throw (verdict = new ManifestError(source, problem))
  }
  try {
    return check(data, fail)
  } catch (err) {
    // Compared by identity only: what a hostile getter throws may be hostile too (a Proxy
    // whose every trap throws), so it is never read.
    if (err === verdict) throw err
    throw new ManifestError(source, 'cannot be read (reading it threw)')
  }
}

type Fail = (problem: string) => never
type Record_ = Record<string, unknown>

function check(data: unknown, fail: Fail): ValidManifest {
  if (!isObject(data)) fail('is not a JSON object')
  // Spread copies read each own property once: what is checked below is what is kept.
  const m = { ...(data as Record_) }
  if (m.version !== 1) fail(`has version ${JSON.stringify(m.version) ?? 'undefined'}, but this kiln-assets/runtime reads version 1`)
  if (typeof m.publicPath !== 'string') fail('has no "publicPath" string')
  if (!isObject(m.files)) fail('has no "files" object')
  if (!isObject(m.assets)) fail('has no "assets" object')
  const rawFiles = m.files as Record_
  const files = new Map<string, FileRecord>()
  for (const key of Object.keys(rawFiles)) {
    const rec = rawFiles[key]
    if (!isSafePath(key)) fail(`files[${q(key)}] is not a relative path inside the artifact directory`)
    if (!isObject(rec)) fail(`files[${q(key)}] is not an object`)
    const r = { ...(rec as Record_) }
    if (!isIntegrity(r.integrity)) fail(`files[${q(key)}].integrity is not an SRI hash`)
    if (!isSize(r.size)) fail(`files[${q(key)}].size is not a byte count`)
    files.set(key, r as unknown as FileRecord)
  }
  // Messages are built only on failure: these run for every record of every boot.
  const at = (name: string, field: string) => `assets[${q(name)}]${field}`
  const listed = (v: unknown, name: string, field: string): void => {
    if (typeof v !== 'string' || !files.has(v)) fail(`${at(name, field)} names a file that is not in "files"`)
  }
  const list = (v: unknown, name: string, field: string): string[] => {
    if (!Array.isArray(v)) fail(`${at(name, field)} is not an array`)
    const out: string[] = []
    for (let i = 0, n = (v as unknown[]).length; i < n; i++) listed(out[i] = (v as string[])[i]!, name, `${field}[${i}]`)
    return out
  }
  const rawAssets = m.assets as Record_
  const assets = new Map<string, AssetRecord>()
  for (const name of Object.keys(rawAssets)) {
    const a = rawAssets[name]
    if (!isObject(a)) fail(`${at(name, '')} is not an object`)
    const r = { ...(a as Record_) }
    listed(r.file, name, '.file')
    if (r.integrity !== files.get(r.file as string)!.integrity) fail(`${at(name, '.integrity')} differs from files[${q(r.file as string)}]`)
    if (!isSize(r.size)) fail(`${at(name, '.size')} is not a byte count`)
    if (typeof r.type !== 'string') fail(`${at(name, '.type')} is not a string`)
    if (r.map !== undefined) listed(r.map, name, '.map')
    for (const k of ['css', 'imports', 'dynamicImports']) if (r[k] !== undefined) r[k] = list(r[k], name, `.${k}`)
    if (r.encodings !== undefined) r.encodings = encodings(r.encodings, name, listed, fail)
    assets.set(name, r as unknown as AssetRecord)
  }
  return { publicPath: m.publicPath as string, assets, files }
}

function encodings(v: unknown, name: string, listed: (v: unknown, name: string, field: string) => void, fail: Fail): Record_ {
  const where = `assets[${q(name)}].encodings`
  if (!isObject(v)) fail(`${where} is not an object`)
  const out = { ...(v as Record_) }
  for (const enc of Object.keys(out)) {
    if (enc !== 'br' && enc !== 'gzip') fail(`${where} has unknown encoding ${q(enc)}`)
    if (!isObject(out[enc])) fail(`${where}.${enc} is not an object`)
    const e = (out[enc] = { ...(out[enc] as Record_) })
    listed(e.file, name, `.encodings.${enc}.file`)
    if (!isSize(e.size)) fail(`${where}.${enc}.size is not a byte count`)
  }
  return out
}
