// Static files, a batch per job: for each file, one read, one SHA-384 (its SRI value, whose
// digest also names the file), a staged copy (temp file, fsynced) and its precompressed
// variants from the same bytes. The I/O is synchronous: a worker has nothing else to do
// meanwhile, and about ten promise round trips per file cost more than the reads and
// writes themselves. Nothing is renamed into place here: the build renames every staged
// file only if it succeeds, so a failed build adds nothing to the artifact directory.
import fs from 'node:fs'
import path from 'node:path'
import { integrity as integrityOf, staticFileName } from '../fingerprint.js'
import { copyHashingSync, digestFileSync, failedJob, forgetTemps, jobError, mkdirOnce, writeTempSync } from './job-files.js'
import type { IngestBatchResult, IngestItem, IngestJob, IngestResult, JobStats, Staged } from './job-types.js'
import { variantsOf } from './variants.js'
import { isCompressible } from './compressible.js'

/** Above this size a file is copied a chunk at a time rather than read whole. */
export const STREAM_ABOVE = 4 * 1024 * 1024

export async function ingestBatch(job: IngestJob): Promise<IngestBatchResult> {
  const results: IngestBatchResult['results'] = []
  for (const item of job.files) {
    const temps: string[] = []
    try {
      results.push({ ok: await ingest(item, job, temps) })
      forgetTemps(temps)
    } catch (err) {
      results.push({ error: jobError(failedJob(err, temps, item.abs)) })
    }
  }
  return { kind: 'ingest', results }
}

async function ingest(item: IngestItem, job: IngestJob, temps: string[]): Promise<IngestResult> {
  const stats: JobStats = { hashed: 0, copied: 0, compressed: 0, reusedVariants: 0 }
  const staged: Staged[] = []
  let integrity = item.known?.integrity ?? null
  let size = item.size
  let bytes: Buffer | null = null
  let temp: string | null = null
  // Hash, size, copy and variants all come from one read of the source: a file rewritten
  // during the build can never be listed with one content and written (or compressed) with
  // another. A cached fingerprint is trusted only where nothing has to be read: the file is
  // already in place under its name. Anything that must be copied is hashed as it is copied.
  if (integrity && !fs.lstatSync(path.join(job.outDir, staticFileName(item.name, integrity)), { throwIfNoEntry: false })) integrity = null
  if (!integrity) {
    stats.hashed++
    if (size > STREAM_ABOVE) {
      // Its directory is made now, for the rename; the temp file is named for it until the hash is known.
      const dir = path.join(job.outDir, path.posix.dirname(item.name))
      mkdirOnce(dir)
      ;({ temp, integrity, size } = copyHashingSync(item.abs, path.join(dir, path.posix.basename(item.name)), job.outDir, temps))
    } else {
      bytes = fs.readFileSync(item.abs)
      size = bytes.length
      integrity = integrityOf(bytes)
    }
  }
  const file = staticFileName(item.name, integrity)
  const dest = path.join(job.outDir, file)
  const existing = fs.lstatSync(dest, { throwIfNoEntry: false })
  const wrong = existing && (!existing.isFile() || existing.size !== size || (job.verify && digestFileSync(dest).integrity !== integrity))
  // A repair writes exactly the bytes the name promises: hash the source rather than trust
  // the cache. So does a file that went missing since the check above (nothing was read).
  if (item.known && (wrong || (!existing && !bytes && !temp))) return ingest({ ...item, known: null }, job, temps)
  let unneeded: string | null = null
  if (existing && !wrong) {
    // Same name, same bytes: the copy is not needed, except to feed the variants below.
    unneeded = temp
  } else {
    // The bytes are the source's, just hashed: in memory, or already copied to the temp file.
    if (!temp) {
      mkdirOnce(path.dirname(dest))
      temp = writeTempSync(dest, job.outDir, bytes!, temps)
    }
    stats.copied++
    staged.push({ temp, dest, replaces: existing ? existing.size : undefined, synced: true })
  }
  let variants: IngestResult['variants'] = []
  if (job.compress && isCompressible(item.name, false)) {
    // Never a second read of the source: the bytes read above, the temp copy made from
    // them, or the file already in place under the name that promises those bytes.
    const made = temp ?? dest
    const inMemory = () => bytes ?? (size <= STREAM_ABOVE ? fs.readFileSync(made) : null)
    variants = await variantsOf({ file, integrity, size, bytes: inMemory, path: made }, { outDir: job.outDir, compress: job.compress, stats, staged, temps })
  }
  if (unneeded) fs.rmSync(unneeded, { force: true })
  return { file, size, integrity, staged, variants, ...stats }
}
