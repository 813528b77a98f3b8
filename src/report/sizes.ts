// Raw and gzip sizes of the files a build wrote, and what an entry loads up front (the units
// they are written and printed in: size-units.ts).
import fs from 'node:fs'
import path from 'node:path'
import { assetOf, type Manifest } from '../manifest.js'
import { GzipSizes } from './gzip-sizes.js'

/** The files an entry loads before it runs: its own, the chunks it imports statically, its CSS. */
export function initialFiles(manifest: Manifest, logical: string): string[] {
  const a = assetOf(manifest, logical)
  return a ? [...new Set([a.file, ...(a.imports ?? []), ...(a.css ?? [])])] : []
}

/** Raw and gzip sizes of the build's files, the gzip one from the manifest's variant, else computed once (level 9) and never above the raw size. */
export class FileSizes {
  private readonly gz = new Map<string, number>()
  /** `known`: gzip sizes by integrity, shared with the other manifest's sizes and kept between builds. */
  constructor(private readonly manifest: Manifest, readonly outDir: string, private readonly known = GzipSizes.open(null)) {}

  raw(file: string): number {
    return this.manifest.files[file]?.size ?? 0
  }

  gzip(file: string): number {
    const known = this.gz.get(file)
    if (known !== undefined) return known
    // The variant is on the file's own record (manifest v2): one lookup.
    const variant = this.manifest.files[this.manifest.files[file]?.encodings?.gzip ?? `${file}.gz`]?.size
    let n = variant
    if (n === undefined) {
      try {
        // No variant: compression is off, or it did not pay (then the file is served as it is).
        n = Math.min(this.raw(file), this.known.of(this.manifest.files[file]?.integrity, () => fs.readFileSync(path.join(this.outDir, file))))
      } catch {
        n = this.raw(file)
      }
    }
    this.gz.set(file, n)
    return n
  }

  of(file: string, gzip: boolean): number {
    return gzip ? this.gzip(file) : this.raw(file)
  }
}
