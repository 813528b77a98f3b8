// Sizes as budgets write them and as Kiln prints them: kB/MB are powers of 1000, KiB/MiB of
// 1024. Raw and gzip sizes of the files a build wrote, and what an entry loads up front.
import fs from 'node:fs'
import path from 'node:path'
import { assetOf, type Manifest } from '../manifest.js'
import { GzipSizes } from './gzip-sizes.js'

const UNITS: Record<string, number> = { b: 1, kb: 1000, kib: 1024, mb: 1000 ** 2, mib: 1024 ** 2, gb: 1000 ** 3, gib: 1024 ** 3 }

/** '150 kB', '1.5MiB', '2000' or 2000 → bytes; null when it is not a size. */
export function parseSize(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : null
  if (typeof value !== 'string') return null
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value)
  const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined
  return m && unit !== undefined ? Math.round(Number(m[1]) * unit) : null
}

/** 812 B, 14.2 kB, 1.30 MB: decimal units, as budgets are usually written. */
export function formatSize(n: number): string {
  if (n < 1000) return `${n} B`
  if (n < 1000 ** 2) return `${(n / 1000).toFixed(1)} kB`
  return `${(n / 1000 ** 2).toFixed(2)} MB`
}

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

/** '+1.2 kB', '-340 B', '±0', or 'new' when there was nothing to compare with. */
export function formatChange(now: number, before: number | null): string {
  if (before === null) return 'new'
  const d = now - before
  if (d === 0) return '±0'
  const pct = before > 0 ? ` (${d > 0 ? '+' : '-'}${Math.abs((d / before) * 100).toFixed(1)}%)` : ''
  return `${d > 0 ? '+' : '-'}${formatSize(Math.abs(d))}${pct}`
}
