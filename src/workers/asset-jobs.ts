// The byte-heavy jobs, run on worker threads: static files in batches (ingest.ts) and the
// precompressed variants of compiled files (variants.ts). Nothing is renamed into place
// here: every new file is a temp file in the artifact directory's temp directory (temp.ts),
// and the build renames them all only if it succeeds, so a failed build adds nothing to the
// artifact directory.
import crypto from 'node:crypto'
import { integrityOfDigest } from '../fingerprint.js'
import { failedJob, forgetTemps } from './job-files.js'
import { ingestBatch } from './ingest.js'
import type { CompressJob, CompressResult, Job, JobResult, JobStats, Staged } from './job-types.js'
import { variantsOf } from './variants.js'

export type * from './job-types.js'
export { isCompressible } from './compressible.js'

/**
 * Runs a job. A job that fails removes every temp file it created and reports the path it
 * was working on; a batch of static files reports each file's failure on its own.
 */
export async function runJob(job: Job): Promise<JobResult> {
  if (job.kind === 'ingest') return ingestBatch(job)
  const temps: string[] = []
  try {
    const result = await compressBytes(job, temps)
    forgetTemps(temps)
    return result
  } catch (err) {
    throw failedJob(err, temps)
  }
}

async function compressBytes(job: CompressJob, temps: string[]): Promise<CompressResult> {
  const stats: JobStats = { hashed: 0, copied: 0, compressed: 0, reusedVariants: 0 }
  const staged: Staged[] = []
  const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength)
  const integrity = integrityOfDigest(crypto.createHash('sha384').update(bytes).digest())
  const variants = await variantsOf({ file: job.file, integrity, size: bytes.length, bytes: () => bytes, path: null }, { outDir: job.outDir, compress: job.compress, stats, staged, temps })
  return { staged, variants, ...stats }
}
