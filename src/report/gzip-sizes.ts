// Gzip sizes by integrity, kept in the cache directory between builds. The size step shows
// each entry's gzip size beside the last build's; computing them (level 9) was the largest
// cost of a rebuild that changed nothing. Same integrity, same bytes, same gzip size, as long
// as zlib is the same: its version is part of the file, and a file that fails any check is
// ignored (it only ever saves time, like cache.ts's state).
import { createRequire } from 'node:module'
import type zlib from 'node:zlib'
import { readKept, writeKept } from '../kept-file.js'

// zlib loads the first time a size is not kept: a rebuild that changed nothing never needs it.
const require = createRequire(import.meta.url)

const FILE = 'gzip-sizes-v1.json'

interface Stored {
  zlib: string
  sizes: Record<string, number>
}

export class GzipSizes {
  /** Sizes this build used (and only those are written, so the file never grows past one build's files). */
  private readonly used = new Map<string, number>()
  private added = false

  private constructor(private readonly dir: string | null, private readonly known: Record<string, number>) {}

  /** The sizes kept in `dir` (null: none kept, every size computed). */
  static open(dir: string | null): GzipSizes {
    return new GzipSizes(dir, valid(readKept(dir, FILE)))
  }

  /** Sizes being computed on libuv's threads (prefetch), by integrity. */
  private readonly pending = new Map<string, Promise<void>>()
  private readonly computed = new Map<string, number>()

  /**
   * Starts compressing, off the main thread, files whose sizes the size step will want (a
   * build's new scripts and stylesheets): level 9 is slow, and by the time that step runs
   * the rest of the build has given libuv's threads the time. Kept sizes are not redone.
   */
  prefetch(files: { integrity: string; bytes: Buffer }[]): void {
    for (const f of files) {
      if (this.used.has(f.integrity) || f.integrity in this.known || this.pending.has(f.integrity)) continue
      const { gzip } = require('node:zlib') as typeof zlib
      this.pending.set(f.integrity, new Promise<void>((resolve) => gzip(f.bytes, { level: 9 }, (err, out) => {
        if (!err) this.computed.set(f.integrity, out.length)
        resolve() // a failure leaves it to of(), which compresses synchronously and throws there
      })))
    }
  }

  /** Waits for every prefetch started. */
  async ready(): Promise<void> {
    await Promise.all(this.pending.values())
  }

  /** The gzip size (level 9) of the bytes with this integrity: kept, prefetched, or `bytes()` compressed now. */
  of(integrity: string | undefined, bytes: () => Buffer): number {
    const kept = integrity ? (this.used.get(integrity) ?? this.known[integrity]) : undefined
    const prefetched = integrity === undefined ? undefined : this.computed.get(integrity)
    if (kept === undefined && prefetched !== undefined) {
      this.used.set(integrity!, prefetched)
      this.added = true
      return prefetched
    }
    if (kept !== undefined) {
      this.used.set(integrity!, kept)
      return kept
    }
    const n = (require('node:zlib') as typeof zlib).gzipSync(bytes(), { level: 9 }).length
    if (integrity) {
      this.used.set(integrity, n)
      this.added = true
    }
    return n
  }

  /** Writes the sizes this build used, only when it computed one (a rebuild that changed nothing writes nothing). */
  save(): void {
    if (!this.added) return
    writeKept(this.dir, FILE, { zlib: process.versions.zlib, sizes: Object.fromEntries(this.used) } satisfies Stored)
    this.added = false
  }
}

/** The kept sizes when they were made by this zlib; none otherwise. */
function valid(kept: unknown): Record<string, number> {
  const s = kept as Partial<Stored> | null
  const sizes: Record<string, number> = Object.create(null)
  if (s?.zlib !== process.versions.zlib || !s.sizes || typeof s.sizes !== 'object') return sizes
  for (const [k, v] of Object.entries(s.sizes)) if (Number.isInteger(v) && v >= 0) sizes[k] = v
  return sizes
}
