// Checks an untrusted value (parsed JSON, or anything a caller passes) against manifest v1.
// Every access is type-guarded, so nothing but ManifestError can come out of it; names live
// in Maps, so `__proto__` or `constructor` are ordinary keys. It runs at every boot on
// manifests of 10,000+ assets, so it checks records in place and copies nothing.
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

/** An SRI value's shape. Cheap on purpose (it runs 20,000 times at a boot): the value is
 *  only ever compared or HTML-escaped, never decoded. */
function isIntegrity(v: unknown): v is string {
  return typeof v === 'string' && v.length < 256 && (v.startsWith('sha384-') || v.startsWith('sha256-') || v.startsWith('sha512-'))
}

function isSize(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

const q = (s: string) => JSON.stringify(s)

export function validateManifest(data: unknown, source: string): ValidManifest {
  const fail = (problem: string): never => {
    throw new ManifestError(source, problem)
  }
  if (!isObject(data)) fail('is not a JSON object')
  const m = data as Record<string, unknown>
  if (m.version !== 1) fail(`has version ${JSON.stringify(m.version) ?? 'undefined'}, but this kiln-assets/runtime reads version 1`)
  if (typeof m.publicPath !== 'string') fail('has no "publicPath" string')
  if (!isObject(m.files)) fail('has no "files" object')
  if (!isObject(m.assets)) fail('has no "assets" object')
  const rawFiles = m.files as Record<string, unknown>
  const files = new Map<string, FileRecord>()
  for (const key of Object.keys(rawFiles)) {
    const rec = rawFiles[key]
    if (!isSafePath(key)) fail(`files[${q(key)}] is not a relative path inside the artifact directory`)
    if (!isObject(rec)) fail(`files[${q(key)}] is not an object`)
    const r = rec as Record<string, unknown>
    if (!isIntegrity(r.integrity)) fail(`files[${q(key)}].integrity is not an SRI hash`)
    if (!isSize(r.size)) fail(`files[${q(key)}].size is not a byte count`)
    files.set(key, r as unknown as FileRecord)
  }
  // Messages are built only on failure: these run for every record of every boot.
  const at = (name: string, field: string) => `assets[${q(name)}]${field}`
  const listed = (v: unknown, name: string, field: string): void => {
    if (typeof v !== 'string' || !files.has(v)) fail(`${at(name, field)} names a file that is not in "files"`)
  }
  const list = (v: unknown, name: string, field: string): void => {
    if (v === undefined) return
    if (!Array.isArray(v)) fail(`${at(name, field)} is not an array`)
    for (let i = 0; i < (v as unknown[]).length; i++) listed((v as unknown[])[i], name, `${field}[${i}]`)
  }
  const rawAssets = m.assets as Record<string, unknown>
  const assets = new Map<string, AssetRecord>()
  for (const name of Object.keys(rawAssets)) {
    const a = rawAssets[name]
    if (!isObject(a)) fail(`${at(name, '')} is not an object`)
    const r = a as Record<string, unknown>
    listed(r.file, name, '.file')
    if (r.integrity !== files.get(r.file as string)!.integrity) fail(`${at(name, '.integrity')} differs from files[${q(r.file as string)}]`)
    if (!isSize(r.size)) fail(`${at(name, '.size')} is not a byte count`)
    if (typeof r.type !== 'string') fail(`${at(name, '.type')} is not a string`)
    if (r.map !== undefined) listed(r.map, name, '.map')
    if (r.css !== undefined) list(r.css, name, '.css')
    if (r.imports !== undefined) list(r.imports, name, '.imports')
    if (r.dynamicImports !== undefined) list(r.dynamicImports, name, '.dynamicImports')
    if (r.encodings !== undefined) encodings(r.encodings, name, listed, fail)
    assets.set(name, r as unknown as AssetRecord)
  }
  return { publicPath: m.publicPath as string, assets, files }
}

function encodings(v: unknown, name: string, listed: (v: unknown, name: string, field: string) => void, fail: (p: string) => never): void {
  const where = `assets[${q(name)}].encodings`
  if (!isObject(v)) fail(`${where} is not an object`)
  for (const enc of Object.keys(v as object)) {
    const e = (v as Record<string, unknown>)[enc]
    if (enc !== 'br' && enc !== 'gzip') fail(`${where} has unknown encoding ${q(enc)}`)
    if (!isObject(e)) fail(`${where}.${enc} is not an object`)
    listed((e as Record<string, unknown>).file, name, `.encodings.${enc}.file`)
    if (!isSize((e as Record<string, unknown>).size)) fail(`${where}.${enc}.size is not a byte count`)
  }
}
