// Each entry's initial load (the entry, its static imports, its CSS), raw and gzip, beside the
// same entry in an earlier manifest: the terminal summary, --summary and the report show it.
import fs from 'node:fs'
import path from 'node:path'
import type { Manifest } from '../manifest.js'
import { assetEntries, MANIFEST_NAME, MANIFEST_VERSION } from '../manifest.js'
import { FileSizes, initialFiles } from './sizes.js'
import { GzipSizes } from './gzip-sizes.js'

export interface Size {
  raw: number
  gzip: number
}

export interface EntrySize extends Size {
  name: string
  /** The same entry in the earlier manifest; null when it had none (or there was none). */
  previous: Size | null
}

/** The compiled entries of a manifest read on its own: scripts and stylesheets (static files are never entries). */
export function entryNames(manifest: Manifest): string[] {
  return assetEntries(manifest).filter(([, a]) => /^text\/(javascript|css)\b/.test(a.type)).map(([name]) => name).sort()
}

/** `gzip`: sizes by integrity, shared by both manifests (a file unchanged since the last build is compressed once, or never when kept). */
export function entrySizes(names: string[], manifest: Manifest, outDir: string, previous: Manifest | null, previousDir = outDir, gzip = GzipSizes.open(null)): EntrySize[] {
  const now = new FileSizes(manifest, outDir, gzip)
  const before = previous ? new FileSizes(previous, previousDir, gzip) : null
  const measure = (m: Manifest, s: FileSizes, name: string): Size => {
    const files = initialFiles(m, name)
    return { raw: files.reduce((n, f) => n + s.raw(f), 0), gzip: files.reduce((n, f) => n + s.gzip(f), 0) }
  }
  return [...names].sort().map((name) => ({
    name,
    ...measure(manifest, now, name),
    previous: previous && before && Object.hasOwn(previous.assets, name) ? measure(previous, before, name) : null,
  }))
}

/**
 * A manifest file, or null when there is none (a first build), it cannot be read, or it is of
 * another version (a build by kiln-assets < 0.2.0): then there is nothing to compare with.
 */
export function readManifest(file: string): Manifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest
    return m && typeof m === 'object' && m.version === MANIFEST_VERSION && m.assets && m.files ? m : null
  } catch {
    return null
  }
}

/** The live manifest of the artifact directory: before a build writes its own, the last build's. */
export function liveManifest(outDir: string): Manifest | null {
  return readManifest(path.join(outDir, MANIFEST_NAME))
}
