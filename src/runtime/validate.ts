// Checks an untrusted value (parsed JSON, or anything a caller passes) against manifest v1.
// Every access is type-guarded, so nothing but ManifestError can come out of it; names live
// in Maps, so `__proto__` or `constructor` are ordinary keys.
import { ManifestError } from './errors.js'

export interface FileRecord {
  readonly integrity: string
  readonly size: number
}

export interface AssetRecord extends FileRecord {
  readonly file: string
  readonly type: string
  readonly map?: string
  readonly css?: readonly string[]
  readonly imports?: readonly string[]
  readonly dynamicImports?: readonly string[]
  readonly encodings?: Readonly<Record<string, { readonly file: string; readonly size: number }>>
}

export interface ValidManifest {
  publicPath: string
  assets: Map<string, AssetRecord>
  files: Map<string, FileRecord>
}

const INTEGRITY = /^sha(256|384|512)-[A-Za-z0-9+/]+={0,2}$/

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** A relative POSIX path that stays inside the artifact directory. */
export function isSafePath(p: unknown): p is string {
  if (typeof p !== 'string' || p === '' || p.length > 4096 || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false
  return p.split('/').every((s) => s !== '' && s !== '.' && s !== '..')
}

export function validateManifest(data: unknown, source: string): ValidManifest {
  const fail = (problem: string): never => {
    throw new ManifestError(source, problem)
  }
  if (!isObject(data)) fail('is not a JSON object')
  const m = data as Record<string, unknown>
  if (m.version !== 1) fail(`has version ${JSON.stringify(m.version) ?? 'undefined'}, but this kiln/runtime reads version 1`)
  if (typeof m.publicPath !== 'string') fail('has no "publicPath" string')
  if (!isObject(m.files)) fail('has no "files" object')
  if (!isObject(m.assets)) fail('has no "assets" object')
  const files = new Map<string, FileRecord>()
  for (const key of Object.keys(m.files as object)) {
    const rec = (m.files as Record<string, unknown>)[key]
    if (!isSafePath(key)) fail(`files[${JSON.stringify(key)}] is not a relative path inside the artifact directory`)
    files.set(key, fileRecord(rec, `files[${JSON.stringify(key)}]`, fail))
  }
  const inFiles = (v: unknown, where: string): string => {
    if (typeof v !== 'string' || !files.has(v)) fail(`${where} names a file that is not in "files"`)
    return v as string
  }
  const list = (v: unknown, where: string): readonly string[] | undefined => {
    if (v === undefined) return undefined
    if (!Array.isArray(v)) fail(`${where} is not an array`)
    return Object.freeze((v as unknown[]).map((x, i) => inFiles(x, `${where}[${i}]`)))
  }
  const assets = new Map<string, AssetRecord>()
  for (const name of Object.keys(m.assets as object)) {
    const where = `assets[${JSON.stringify(name)}]`
    const a = (m.assets as Record<string, unknown>)[name]
    if (!isObject(a)) fail(`${where} is not an object`)
    const r = a as Record<string, unknown>
    const file = inFiles(r.file, `${where}.file`)
    const { integrity, size } = fileRecord(r, where, fail)
    if (integrity !== files.get(file)!.integrity) fail(`${where}.integrity differs from files[${JSON.stringify(file)}]`)
    if (typeof r.type !== 'string') fail(`${where}.type is not a string`)
    assets.set(name, Object.freeze({
      file, integrity, size, type: r.type as string,
      map: r.map === undefined ? undefined : inFiles(r.map, `${where}.map`),
      css: list(r.css, `${where}.css`),
      imports: list(r.imports, `${where}.imports`),
      dynamicImports: list(r.dynamicImports, `${where}.dynamicImports`),
      encodings: encodings(r.encodings, `${where}.encodings`, inFiles, fail),
    }))
  }
  return { publicPath: m.publicPath as string, assets, files }
}

function fileRecord(rec: unknown, where: string, fail: (p: string) => never): FileRecord {
  if (!isObject(rec)) fail(`${where} is not an object`)
  const r = rec as Record<string, unknown>
  if (typeof r.integrity !== 'string' || !INTEGRITY.test(r.integrity)) fail(`${where}.integrity is not an SRI hash`)
  if (typeof r.size !== 'number' || !Number.isSafeInteger(r.size) || r.size < 0) fail(`${where}.size is not a byte count`)
  return Object.freeze({ integrity: r.integrity as string, size: r.size as number })
}

function encodings(v: unknown, where: string, inFiles: (v: unknown, w: string) => string, fail: (p: string) => never): AssetRecord['encodings'] {
  if (v === undefined) return undefined
  if (!isObject(v)) fail(`${where} is not an object`)
  const out: Record<string, { file: string; size: number }> = Object.create(null)
  for (const enc of Object.keys(v as object)) {
    const e = (v as Record<string, unknown>)[enc]
    if (enc !== 'br' && enc !== 'gzip') fail(`${where} has unknown encoding ${JSON.stringify(enc)}`)
    if (!isObject(e)) fail(`${where}.${enc} is not an object`)
    const r = e as Record<string, unknown>
    if (typeof r.size !== 'number' || !Number.isSafeInteger(r.size) || r.size < 0) fail(`${where}.${enc}.size is not a byte count`)
    out[enc] = Object.freeze({ file: inFiles(r.file, `${where}.${enc}.file`), size: r.size as number })
  }
  return Object.freeze(out)
}
