// Manifest v1: logical names → fingerprinted files, with integrity, size, type and the
// entry → chunk/CSS graph; plus `files`, every file the build needs. Serialised with sorted
// keys, two-space JSON, no timestamps and no absolute paths, so it is deterministic.
import path from 'node:path'
import { contentHash, integrity } from './fingerprint.js'
import { writeAtomic } from './output.js'
import type { EmittedFile, CompiledEntry } from './compilers/types.js'
import type { StaticAsset } from './statics.js'
import { mimeType } from './runtime/mime.js'

export const MANIFEST_VERSION = 1
export const MANIFEST_NAME = 'manifest.json'
export const HISTORY_DIR = 'manifests'

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
}

export interface Manifest {
  version: 1
  publicPath: string
  assets: Record<string, AssetRecord>
  files: Record<string, FileRecord>
}

export function createManifest(publicPath: string, compiled: CompiledEntry[], emitted: EmittedFile[], statics: StaticAsset[]): Manifest {
  const files: Record<string, FileRecord> = {}
  for (const f of emitted) files[f.file] = { integrity: integrity(f.bytes), size: f.bytes.length }
  for (const s of statics) files[s.file] = { integrity: s.integrity, size: s.size }
  const assets: Record<string, AssetRecord> = {}
  for (const s of statics) if (s.logical !== null) assets[s.logical] = { file: s.file, integrity: s.integrity, size: s.size, type: s.type }
  for (const c of compiled) {
    const rec = files[c.file]!
    assets[c.logical] = { file: c.file, ...rec, type: mimeType(c.file), map: c.map, css: c.css, imports: c.imports, dynamicImports: c.dynamicImports }
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
  await writeAtomic(path.join(outDir, history), text, true)
  const live = path.join(outDir, MANIFEST_NAME)
  await writeAtomic(live, text, true)
  return { path: live, history }
}
