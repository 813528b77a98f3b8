// Static files: copied byte for byte under a fingerprinted name, on the worker pool. Also
// the lookup table compilers use to turn a referenced file (CSS url(), JS import) into its
// output file; a referenced file outside the root (e.g. a font in node_modules) joins the
// table on demand.
import fs from 'node:fs'
import path from 'node:path'
import { mimeType } from './runtime/mime.js'
import type { SourceFile } from './discover.js'
import type { Pool } from './pool.js'
import type { BuildCache } from './cache.js'
import type { CompressSettings, IngestResult, JobStats, Variant } from './workers/asset-jobs.js'
import { fileError, type Stage } from './output.js'

export interface StaticAsset {
  /** Logical name, or null for a referenced file outside the root (listed in `files` only). */
  logical: string | null
  abs: string
  /** Output path relative to the artifact directory. */
  file: string
  integrity: string
  size: number
  type: string
  variants: Variant[]
}

export class Statics {
  private readonly byPath = new Map<string, Promise<StaticAsset | null>>()
  /** Files compilers asked for (url(), import): inputs of the compile step. */
  readonly referenced = new Set<string>()
  readonly stats: JobStats & { cached: number } = { hashed: 0, copied: 0, compressed: 0, reusedVariants: 0, cached: 0 }

  constructor(
    private readonly root: string,
    private readonly cwd: string,
    private readonly outDir: string,
    private readonly pool: Pool,
    private readonly stage: Stage,
    private readonly compress: CompressSettings | null,
    private readonly cache: BuildCache,
  ) {}

  /** Starts fingerprinting every discovered static file; resolves when all are done. */
  addAll(files: SourceFile[]): Promise<StaticAsset[]> {
    return Promise.all(files.map((f) => this.add(f.abs, f.logical, f)))
  }

  private add(abs: string, logical: string | null, source?: SourceFile): Promise<StaticAsset> {
    const pending = (async () => {
      const stat = source ?? (await fs.promises.stat(abs))
      const name = logical ?? externalName(abs, this.root, this.cwd)
      const key = { path: abs, size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino }
      const known = this.cache.staticFingerprint(key)
      if (known) this.stats.cached++
      const r = await this.pool.run<IngestResult>({ kind: 'ingest', abs, size: stat.size, name, outDir: this.outDir, known, compress: this.compress })
        .catch((err: NodeJS.ErrnoException) => Promise.reject(fileError(err, this.cwd)))
      this.stage.add(r.staged)
      this.count(r)
      this.cache.rememberStatic(key, { sha256: r.sha256, integrity: r.integrity }, known)
      return { logical, abs, file: r.file, integrity: r.integrity, size: r.size, type: mimeType(abs), variants: r.variants }
    })()
    this.byPath.set(abs, pending)
    return pending
  }

  private count(r: JobStats) {
    this.stats.hashed += r.hashed
    this.stats.copied += r.copied
    this.stats.compressed += r.compressed
    this.stats.reusedVariants += r.reusedVariants
  }

  /** The asset for a referenced file, or null when there is no such file. Directories are reported by the caller. */
  lookup(abs: string): Promise<StaticAsset | null> {
    this.referenced.add(abs)
    const known = this.byPath.get(abs)
    if (known) return known
    const stat = fs.statSync(abs, { throwIfNoEntry: false })
    if (!stat?.isFile()) return Promise.resolve(null)
    return this.add(abs, null)
  }

  /** Every asset looked up or added so far, in a stable order; waits for all of them. */
  async all(): Promise<StaticAsset[]> {
    let list: (StaticAsset | null)[] = []
    // Lookups may add files while we wait; loop until the table stops growing.
    for (let n = -1; n !== this.byPath.size; ) {
      n = this.byPath.size
      list = await Promise.all(this.byPath.values())
    }
    return list.filter((a): a is StaticAsset => a !== null).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
  }

  /** Waits for every job started so far, successful or not (before removing temp files). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.byPath.values())
  }
}

/**
 * Output name for a referenced file outside the root: `_/` plus its path below the
 * nearest node_modules (`_/katex/dist/fonts/x.woff2`), else relative to the working
 * directory with `..` spelled `__`. Never absolute, so the artifact is the same everywhere.
 */
function externalName(abs: string, root: string, cwd: string): string {
  const rel = path.relative(root, abs).split(path.sep).join('/')
  if (!rel.startsWith('../')) return rel
  const posix = abs.split(path.sep).join('/')
  const nm = posix.lastIndexOf('/node_modules/')
  if (nm >= 0) return `_/${posix.slice(nm + '/node_modules/'.length)}`
  return `_/${path.relative(cwd, abs).split(path.sep).map((s) => (s === '..' ? '__' : s)).join('/')}`
}
