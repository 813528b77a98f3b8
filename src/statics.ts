// Static files: copied byte for byte under a fingerprinted name, on the worker pool. Also
// the lookup table compilers use to turn a referenced file (CSS url(), JS import) into its
// output file; a referenced file outside the root (e.g. a font in node_modules) joins the
// table on demand.
import fs from 'node:fs'
import path from 'node:path'
import { mimeType } from './runtime/mime.js'
import type { SourceFile } from './discover.js'
import { errorOf, type Pool } from './pool.js'
import type { BuildCache } from './cache.js'
import type { CompressSettings, Fingerprint, IngestBatchResult, IngestItem, IngestJob, JobStats, Variant } from './workers/asset-jobs.js'
import type { StaticAsset, StaticLookup, StaticTable } from './static-lookup.js'
import type { BuildContext } from './context.js'
import { staticFileName } from './fingerprint.js'
import { fileError, type Stage } from './output.js'
import { settingsKey } from './compress.js'
import { statIfAny } from './walk.js'

const BATCH_FILES = 32
const BATCH_BYTES = 1024 * 1024
/** At most this much to hash and copy, and no worker thread started yet: done on this thread (Pool.runHere). */
const HERE_FILES = 400
const HERE_BYTES = 8 * 1024 * 1024

/** What becomes of one file sent in a batch: its result, its own error, or the whole job's. */
type BatchOutcome = IngestBatchResult['results'][number] | Error
interface Waiting {
  item: IngestItem
  done: (r: BatchOutcome) => void
}

export class Statics implements StaticTable {
  private readonly byPath = new Map<string, Promise<StaticAsset | null>>()
  readonly stats: JobStats & { cached: number } = { hashed: 0, copied: 0, compressed: 0, reusedVariants: 0, cached: 0 }

  private readonly root: string
  private readonly cwd: string
  private readonly outDir: string
  private readonly pool: Pool
  private readonly stage: Stage
  private readonly compress: CompressSettings | null
  private readonly cache: BuildCache
  /** --verify: every file and variant goes through a job that hashes what is in place. */
  private readonly verify: boolean
  /** The compression settings as the cache keys variants by them. */
  private readonly compressKey: string
  /** The artifact directory with a separator after it: output names are joined to it thousands of times. */
  private readonly outPrefix: string

  constructor({ config, pool, stage, compress, cache }: Pick<BuildContext, 'config' | 'pool' | 'stage' | 'compress' | 'cache'>) {
    this.root = config.rootDir
    this.cwd = config.cwd
    this.outDir = config.outDir
    this.pool = pool
    this.stage = stage
    this.compress = compress
    this.cache = cache
    this.verify = config.verify
    this.compressKey = settingsKey(compress)
    this.outPrefix = config.outDir.endsWith(path.sep) ? config.outDir : config.outDir + path.sep
  }

  /** Discovered files not handed to the workers yet (addAll), by path: a lookup of one takes it at once. */
  private listed: Map<string, SourceFile> | null = null
  private begin: (() => void) | null = null
  private settling = false

  /**
   * Fingerprints every discovered static file once start() is called; resolves when all are
   * done. A cold build's compile calls it as soon as it has handed esbuild its scripts (which
   * then wait on nothing but CPU), rather than queueing thousands of files and starting the
   * worker threads first. A lookup before then takes its file as the discovered file it is
   * (its logical name), never as a stranger.
   */
  addAll(files: SourceFile[]): Promise<StaticAsset[]> {
    const listed = (this.listed = new Map(files.map((f) => [f.abs, f])))
    if (this.tooMuchHere(files)) this.pool.warm()
    return new Promise<void>((resolve) => (this.begin = resolve)).then(() => {
      this.listed = null
      // The build failed before the statics started: nothing is queued.
      if (this.settling) return []
      const all = Promise.all(files.map((f) => this.byPath.get(f.abs) ?? this.add(f.abs, f.logical, listed.get(f.abs)!)))
      this.flush(true)
      return all as Promise<StaticAsset[]>
    })
  }

  /**
   * Whether more files than runHere takes are unknown to the cache (a cold build, a new
   * checkout): the workers will be needed, and can start now, while this thread starts the
   * compilers. A rebuild that changed nothing, or a few files, never starts them.
   */
  private tooMuchHere(files: SourceFile[]): boolean {
    let count = 0
    let bytes = 0
    for (const f of files) {
      if (this.cache.staticFingerprint({ path: f.abs, size: f.size, mtimeMs: f.mtimeMs, ino: f.ino }, this.compressKey)) continue
      bytes += f.size
      if (++count > HERE_FILES || bytes > HERE_BYTES) return true
    }
    return false
  }

  /** Starts what addAll queued (again: nothing). */
  start(): void {
    this.begin?.()
    this.begin = null
  }

  /** Full batches waiting to be sent, and the one being filled (with how many bytes it holds). */
  private batches: Waiting[][] = []
  private batch: Waiting[] = []
  private batchBytes = 0

  private add(abs: string, logical: string | null, stat: { size: number; mtimeMs: number; ino: number }): Promise<StaticAsset> {
    const name = logical ?? externalName(abs, this.root)
    const key = { path: abs, size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino }
    const known = this.cache.staticFingerprint(key, this.compressKey)
    // The size of the bytes fingerprinted: a job's read, not the stat before it (the file may change in between).
    const asset = (file: string, fp: Fingerprint, variants: Variant[], size = stat.size) => ({ logical, abs, file, integrity: fp.integrity, size, type: mimeType(abs), variants })
    let pending: Promise<StaticAsset>
    if (known) this.stats.cached++
    const file = known && staticFileName(name, known.integrity)
    if (known?.variants && file && !this.verify && this.inPlace(file, stat.size, known.variants)) {
      // The common rebuild: the cache knows the file and its variants, and they are in place.
      this.stats.reusedVariants += known.variants.length
      this.cache.rememberStatic(key, known, known.variants, this.compressKey, known)
      pending = Promise.resolve(asset(file, known, known.variants))
    } else {
      pending = new Promise<BatchOutcome>((done) => this.enqueue({ abs, size: stat.size, name, known: known && { integrity: known.integrity } }, done))
        .then((r) => {
          if (r instanceof Error || 'error' in r) return Promise.reject(fileError(r instanceof Error ? r : errorOf(r.error), this.cwd, this.outDir))
          const ok = r.ok
          this.stage.add(ok.staged)
          this.count(ok)
          this.cache.rememberStatic(key, ok, ok.variants, this.compressKey, known)
          return asset(ok.file, ok, ok.variants, ok.size)
        })
    }
    this.byPath.set(abs, pending)
    return pending
  }

  /**
   * Files go to the workers in batches of up to BATCH_FILES files or BATCH_BYTES bytes: few
   * enough messages that posting them costs nothing, small enough that the workers, taking
   * batches from one list, end together. The caller flushes (addAll, or a lookup next turn).
   */
  private enqueue(item: IngestItem, done: (r: BatchOutcome) => void) {
    this.batch.push({ item, done })
    this.batchBytes += item.known ? 0 : item.size
    if (this.batch.length >= BATCH_FILES || this.batchBytes >= BATCH_BYTES) {
      this.batches.push(this.batch)
      this.batch = []
      this.batchBytes = 0
    }
  }

  /** Sends every waiting batch: `shared`, as one list all workers take from (the discovered files); else one job each. */
  private flush(shared: boolean) {
    const batches = this.batch.length ? [...this.batches, this.batch] : this.batches
    this.batches = []
    this.batch = []
    this.batchBytes = 0
    const jobs: IngestJob[] = batches.map((b) => ({ kind: 'ingest', files: b.map((w) => w.item), outDir: this.outDir, compress: this.compress, verify: this.verify }))
    const files = batches.reduce((n, b) => n + b.length, 0)
    const bytes = batches.reduce((n, b) => b.reduce((m, w) => m + (w.item.known ? 0 : w.item.size), n), 0)
    const results = !this.pool.started && files <= HERE_FILES && bytes <= HERE_BYTES ? this.pool.runHere<IngestBatchResult>(jobs)
      : shared ? this.pool.runShared<IngestBatchResult>(jobs) : jobs.map((j) => this.pool.run<IngestBatchResult>(j))
    results.forEach((r, i) => r.then((r) => batches[i]!.forEach((w, k) => w.done(r.results[k]!)), (err: Error) => batches[i]!.forEach((w) => w.done(err))))
  }

  /**
   * True when the file and each variant are in the artifact directory with their sizes.
   * Synchronous on purpose: thousands of stats through promises cost more than the stats.
   */
  private inPlace(file: string, size: number, variants: Variant[]): boolean {
    // An output name is relative and normalized (no '.', '..' or '//'), so a join needs no normalizing.
    const sizeOf = (f: string) => fs.statSync(this.outPrefix + f, { throwIfNoEntry: false })?.size
    return sizeOf(file) === size && variants.every((v) => sizeOf(v.file) === v.size)
  }

  private count(r: JobStats) {
    this.stats.hashed += r.hashed
    this.stats.copied += r.copied
    this.stats.compressed += r.compressed
    this.stats.reusedVariants += r.reusedVariants
  }

  /** The asset for a referenced file, or null when there is no such file. Directories are reported by the caller. */
  /** A view that records every file looked up through it (a compile unit's inputs). */
  tracking(into: Set<string>): StaticLookup {
    return { lookup: (abs) => (into.add(abs), this.lookup(abs)) }
  }

  lookup(abs: string): Promise<StaticAsset | null> {
    const known = this.byPath.get(abs)
    if (known) return known
    const listed = this.listed?.get(abs)
    const stat = listed ?? statIfAny(abs)
    if (!stat || (stat instanceof fs.Stats && !stat.isFile())) return Promise.resolve(null)
    const pending = this.add(abs, listed ? listed.logical : null, stat)
    // Lookups come in bursts (a stylesheet's url()s): they share a batch, sent on the next turn.
    if (this.batch.length + this.batches.length === 1) setImmediate(() => this.flush(false))
    return pending
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

  /** Waits for every job started so far, successful or not (before removing temp files); starts no more. */
  async settle(): Promise<void> {
    this.settling = true
    this.start()
    await Promise.allSettled(this.byPath.values())
  }
}

/**
 * Output name for a referenced file outside the root: `_/` plus its path below the
 * nearest node_modules (`_/katex/dist/fonts/x.woff2`), else relative to the root with `..`
 * spelled `__` (`_/__/shared/x.png`). Never absolute nor relative to the working directory,
 * so the artifact is the same everywhere and from any working directory. A backslash or a
 * control character, which no manifest name may hold, becomes '_' (the name is Kiln's to choose).
 */
function externalName(abs: string, root: string): string {
  const rel = path.relative(root, abs).split(path.sep).join('/')
  if (!rel.startsWith('../')) return rel
  const posix = abs.split(path.sep).join('/')
  const nm = posix.lastIndexOf('/node_modules/')
  const name = nm >= 0 ? `_/${posix.slice(nm + '/node_modules/'.length)}` : `_/${rel.split('/').map((s) => (s === '..' ? '__' : s)).join('/')}`
  return name.replace(/[\\\u0000-\u001f\u007f\u2028\u2029]/g, '_')
}
