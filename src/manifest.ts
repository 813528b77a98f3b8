// Manifest v1: logical names → fingerprinted files, with integrity, size, type and the
// entry → chunk/CSS graph; plus `files`, every file the build needs. Serialised with sorted
// keys, two-space JSON, no timestamps and no absolute paths, so it is deterministic.
import fs from 'node:fs'
import path from 'node:path'
import { contentHash } from './fingerprint.js'
import { writeAtomic } from './output.js'
import type { CompiledEntry } from './compilers/types.js'
import type { Variant } from './workers/asset-jobs.js'
import type { StaticAsset } from './static-lookup.js'
import { mimeType } from './runtime/mime.js'

export const MANIFEST_VERSION = 1
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
}

export interface AssetRecord extends FileRecord {
  file: string
  type: string
  map?: string
  css?: string[]
  imports?: string[]
  dynamicImports?: string[]
  encodings?: Partial<Record<'br' | 'gzip', { file: string; size: number }>>
}

export interface Manifest {
  version: 1
  publicPath: string
  assets: Record<string, AssetRecord>
  files: Record<string, FileRecord>
}

export function createManifest(publicPath: string, compiled: CompiledEntry[], outputs: FileInfo[], statics: StaticAsset[], outputVariants: Map<string, Variant[]>): Manifest {
  const files: Record<string, FileRecord> = {}
  const variants = new Map([...outputVariants, ...statics.map((s) => [s.file, s.variants] as const)])
  for (const f of [...outputs, ...statics]) files[f.file] = { integrity: f.integrity, size: f.size }
  for (const list of variants.values()) for (const v of list) files[v.file] = { integrity: v.integrity, size: v.size }
  const encodings = (file: string) => {
    const list = variants.get(file)
    return list?.length ? Object.fromEntries(list.map((v) => [v.encoding, { file: v.file, size: v.size }])) : undefined
  }
  const assets: Record<string, AssetRecord> = {}
  for (const s of statics) {
    if (s.logical !== null) assets[s.logical] = { file: s.file, integrity: s.integrity, size: s.size, type: s.type, encodings: encodings(s.file) }
  }
  for (const c of compiled) {
    const rec = files[c.file]!
    assets[c.logical] = { file: c.file, ...rec, type: mimeType(c.file), map: c.map, css: c.css, imports: c.imports, dynamicImports: c.dynamicImports, encodings: encodings(c.file) }
  }
  return { version: MANIFEST_VERSION, publicPath, assets, files }
}

/** JSON with keys sorted at every level and undefined fields dropped; arrays keep their order. */
export function serializeManifest(m: Manifest): string {
  return JSON.stringify(sortKeys(m), null, 2) + '\n'
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k]
      if (x !== undefined) out[k] = sortKeys(x)
    }
    return out
  }
  return v
}

/**
 * Writes the history copy `manifests/<hash>.json`, then `manifest.json`; both atomically
 * and durably (file, then directory, fsynced), and the live manifest last of everything.
 */
export async function writeManifest(outDir: string, text: string): Promise<{ path: string; history: string }> {
  const history = path.posix.join(HISTORY_DIR, `${contentHash(text)}.json`)
  const live = path.join(outDir, MANIFEST_NAME)
  // A rebuild of unchanged sources finds both already in place, byte for byte. The history
  // copy's mtime says when that build was last current: `kiln clean` keeps the newest.
  if (!sameText(path.join(outDir, history), text)) await writeAtomic(path.join(outDir, history), text, true, outDir)
  else await fs.promises.utimes(path.join(outDir, history), new Date(), new Date())
  if (!sameText(live, text)) await writeAtomic(live, text, true, outDir)
  return { path: live, history }
}

function sameText(file: string, text: string): boolean {
  try {
    return fs.readFileSync(file, 'utf8') === text
  } catch {
    return false
  }
}
