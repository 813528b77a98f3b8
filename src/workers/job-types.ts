// What the main thread and the asset workers exchange: jobs, their results, and the shapes
// both sides keep (staged files, variants, fingerprints). Types only, so either side may
// import it without pulling in the other.

export type Encoding = 'br' | 'gzip'

export interface CompressSettings {
  encodings: Encoding[]
  brotliQuality: number
  gzipLevel: number
  /** Where variants are kept by content hash between builds, or null. */
  cacheDir: string | null
}

export interface Staged {
  temp: string
  dest: string
  /**
   * Set when `dest` exists with bytes other than its name promises (truncated, deleted
   * halfway, edited by hand): the size found there. The rename then replaces it: a repair.
   */
  replaces?: number
  /** The temp file's data is already fsynced (by the worker that wrote it): the commit only renames it. */
  synced?: boolean
}

export interface Variant {
  encoding: Encoding
  file: string
  size: number
  integrity: string
}

export interface Fingerprint {
  /** SRI value (sha384) of the content. Its digest also gives the file's name and keys its compressed variants. */
  integrity: string
}

/** One static file of a batch. */
export interface IngestItem {
  abs: string
  size: number
  /** Name to fingerprint: `images/logo.png` → `images/logo-HASH.png`. */
  name: string
  /** From the build cache: skip reading and hashing. */
  known: Fingerprint | null
}

/** Static files fingerprinted, copied and compressed in one job, with synchronous I/O (workers/ingest.ts). */
export interface IngestJob {
  kind: 'ingest'
  files: IngestItem[]
  outDir: string
  compress: CompressSettings | null
  /** --verify: hash a file already in place instead of trusting its size. */
  verify: boolean
}

export interface CompressJob {
  kind: 'compress-bytes'
  bytes: Uint8Array
  file: string
  outDir: string
  compress: CompressSettings
}

export type Job = IngestJob | CompressJob

export interface JobStats {
  hashed: number
  copied: number
  compressed: number
  reusedVariants: number
}

export interface IngestResult extends Fingerprint, JobStats {
  file: string
  size: number
  staged: Staged[]
  variants: Variant[]
}

/** A job's failure as it crosses the thread boundary; `path` names the file it was for. */
export interface JobError {
  message: string
  code?: string
  path?: string
}

/** One entry per file of the batch, in order: a file that failed does not fail the others. */
export interface IngestBatchResult {
  kind: 'ingest'
  results: ({ ok: IngestResult } | { error: JobError })[]
}

export interface CompressResult extends JobStats {
  staged: Staged[]
  variants: Variant[]
}

export type JobResult = IngestBatchResult | CompressResult
