// Manifest v2: `assets` maps each logical name to its output file (one dictionary lookup from a
// URL, for a reader in any language); `files` lists every file the build needs, each with its
// integrity and size once, and an output's entry graph and precompressed variants on its own
// record. Written with entries sorted, one line each, no timestamps and no absolute paths:
// deterministic, diff-friendly and about half the bytes of v1.
import fs from 'node:fs'
import path from 'node:path'
import { contentHash } from './fingerprint.js'
import { writeAtomic } from './output.js'
import type { CompiledEntry } from './compilers/types.js'
import type { Variant } from './workers/asset-jobs.js'
import type { StaticAsset } from './static-lookup.js'
import { mimeType } from './runtime/mime.js'

export const MANIFEST_VERSION = 2
export const MANIFEST_NAME = 'manifest.json'
export const HISTORY_DIR = 'manifests'

export interface FileInfo {
  file: string
  integrity: string
  size: number
}

export interface FileRecord {
  integrity: string
  size: number
  map?: string
  css?: string[]
  imports?: string[]
  dynamicImports?: string[]
  /** Encoding → the variant's file, which has its own record. */
  encodings?: Partial<Record<'br' | 'gzip', string>>
}

export interface Manifest {
  version: 2
  publicPath: string
  /** Logical name → output file. */
  assets: Record<string, string>
  files: Record<string, FileRecord>
}

/** What a logical name resolves to: its file, that file's record and its content type. */
export interface Asset extends FileRecord {
  file: string
  type: string
}

export function createManifest(publicPath: string, compiled: CompiledEntry[], outputs: FileInfo[], statics: StaticAsset[], outputVariants: Map<string, Variant[]>): Manifest {
  // No prototype: a logical name or file called `__proto__` is an ordinary key.
  const files: Record<string, FileRecord> = Object.create(null)
  const assets: Record<string, string> = Object.create(null)
  const variants = new Map([...outputVariants, ...statics.map((s) => [s.file, s.variants] as const)])
  for (const f of [...outputs, ...statics]) files[f.file] = { integrity: f.integrity, size: f.size }
  for (const list of variants.values()) for (const v of list) files[v.file] = { integrity: v.integrity, size: v.size }
  for (const [file, list] of variants) {
    if (list.length && files[file]) files[file]!.encodings = Object.fromEntries(list.map((v) => [v.encoding, v.file]))
  }
  for (const s of statics) if (s.logical !== null) assets[s.logical] = s.file
  for (const c of compiled) {
    assets[c.logical] = c.file
    Object.assign(files[c.file]!, { map: c.map, css: c.css, imports: c.imports, dynamicImports: c.dynamicImports })
  }
  return { version: MANIFEST_VERSION, publicPath, assets, files }
}

/** The asset a logical name resolves to, or undefined. */
export function assetOf(m: Manifest, name: string): Asset | undefined {
  const file = Object.hasOwn(m.assets, name) ? m.assets[name] : undefined
  const rec = file === undefined ? undefined : m.files[file]
  return rec && { ...rec, file: file!, type: mimeType(file!) }
}

/** Every [logical name, asset], in the manifest's order. */
export function assetEntries(m: Manifest): [string, Asset][] {
  return Object.keys(m.assets).flatMap((name) => {
    const a = assetOf(m, name)
    return a ? [[name, a] as [string, Asset]] : []
  })
}

/**
 * The v2 layout: top-level keys in a fixed order, two-space indent, one line per `assets` and
 * `files` entry (compact JSON with sorted keys, undefined fields dropped), entries sorted by
 * key. JSON.parse reads it as it would any JSON.
 */
export function serializeManifest(m: Manifest): string {
  const block = <T>(o: Record<string, T>, value: (v: T) => string) => {
    const keys = Object.keys(o).sort()
    return keys.length ? `{\n${keys.map((k) => `    ${JSON.stringify(k)}: ${value(o[k]!)}`).join(',\n')}\n  }` : '{}'
  }
  return `{\n  "version": ${m.version},\n  "publicPath": ${JSON.stringify(m.publicPath)},\n  "assets": ${block(m.assets, (f) => JSON.stringify(f))},\n  "files": ${block(m.files, recordJson)}\n}\n`
}

/** A file record's fields in sorted order, as sortKeys() would order them. */
const RECORD_KEYS = ['css', 'dynamicImports', 'encodings', 'imports', 'integrity', 'map', 'size'] as const
const KNOWN_KEYS = new Set<string>(RECORD_KEYS)

/**
 * JSON.stringify(sortKeys(r)), written field by field: a record's keys are known, and
 * sorting a fresh copy of each of thousands of records was most of a no-op's manifest step.
 */
function recordJson(r: FileRecord): string {
  if (Object.keys(r).some((k) => !KNOWN_KEYS.has(k))) return JSON.stringify(sortKeys(r))
  let out = ''
  for (const k of RECORD_KEYS) {
    const v = r[k]
    if (v !== undefined) out += `${out ? ',' : ''}"${k}":${JSON.stringify(k === 'encodings' ? sortKeys(v) : v)}`
  }
  return `{${out}}`
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = Object.create(null)
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k]
      if (x !== undefined) out[k] = sortKeys(x)
    }
    return out
  }
  return v
}

/**
 * Writes the history copy `manifests/<hash>.json`, then `manifest.json` unless `liveText`
 * (readLiveManifest's, under the build's lock) is already it; both atomically and durably
 * (file, then directory, fsynced), and the live manifest last of everything.
 */
export async function writeManifest(outDir: string, text: string, liveText: string | null): Promise<{ path: string; history: string }> {
  const history = path.posix.join(HISTORY_DIR, `${contentHash(text)}.json`)
  const live = path.join(outDir, MANIFEST_NAME)
  // A rebuild of unchanged sources finds both already in place, byte for byte. The history
  // copy's mtime says when that build was last current: `kiln clean` keeps the newest.
  if (!sameText(path.join(outDir, history), text)) await writeAtomic(path.join(outDir, history), text, true, outDir)
  else await fs.promises.utimes(path.join(outDir, history), new Date(), new Date())
  if (liveText !== text) await writeAtomic(live, text, true, outDir)
  return { path: live, history }
}

/** The artifact directory's manifest.json as text (before a build writes its own, the last build's), or null. */
export function readLiveManifest(outDir: string): string | null {
  try {
    return fs.readFileSync(path.join(outDir, MANIFEST_NAME), 'utf8')
  } catch {
    return null
  }
}

function sameText(file: string, text: string): boolean {
  try {
    return fs.readFileSync(file, 'utf8') === text
  } catch {
    return false
  }
}
