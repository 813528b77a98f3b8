// The byte-heavy jobs, run on worker threads: fingerprint a static file (hash and copy in
// one pass; streamed above STREAM_ABOVE, so a 1 GB file costs no more memory than a small
// one) and write its precompressed variants. Nothing is renamed into place here: every
// new file is a temp file in the artifact directory's temp directory (temp.ts), and the build
// renames them all only if it succeeds, so a failed build adds nothing to the artifact directory.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Transform } from 'node:stream'
import zlib from 'node:zlib'
import { fingerprintName, hashOfDigest, hashStream, integrity, integrityOfDigest } from '../fingerprint.js'
import { tempPath } from '../temp.js'

export const STREAM_ABOVE = 4 * 1024 * 1024

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
}

export interface Variant {
  encoding: Encoding
  file: string
  size: number
  integrity: string
}

export interface Fingerprint {
  /** Hex SHA-256 of the content: the key for compressed variants. */
  sha256: string
  integrity: string
}

export interface IngestJob {
  kind: 'ingest'
  abs: string
  size: number
  /** Name to fingerprint: `images/logo.png` → `images/logo-HASH.png`. */
  name: string
  outDir: string
  /** From the build cache: skip reading and hashing. */
  known: Fingerprint | null
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

export interface CompressResult extends JobStats {
  staged: Staged[]
  variants: Variant[]
}

export type JobResult = IngestResult | CompressResult

/**
 * Runs a job. A job that fails removes every temp file it created (a full disk leaves no
 * half-written file behind) and reports the path it was working on.
 */
export async function runJob(job: Job): Promise<JobResult> {
  const temps: string[] = []
  try {
    return await (job.kind === 'ingest' ? ingest(job, temps) : compressBytes(job, temps))
  } catch (err) {
    await Promise.all(temps.map((t) => fs.promises.rm(t, { force: true })))
    const e = err as NodeJS.ErrnoException
    if (!e.path && temps.length) e.path = temps[temps.length - 1]
    if (!e.path && job.kind === 'ingest') e.path = job.abs
    // A temp file's name says nothing: report the file it was for.
    if (e.path && destOf.has(e.path)) e.path = destOf.get(e.path)
    throw e
  } finally {
    for (const t of temps) destOf.delete(t)
  }
}

/** Temp file → the file it becomes, for messages. */
const destOf = new Map<string, string>()

/** A temp path for `dest` (in artifact directory `dir`), remembered so a failing job can remove it. */
function newTemp(dest: string, dir: string, temps: string[]): string {
  const t = tempPath(dest, dir)
  temps.push(t)
  destOf.set(t, dest)
  return t
}

const made = new Map<string, Promise<unknown>>()
/** mkdir -p, once per directory per worker: most files share a handful of directories. */
const mkdirOnce = (dir: string) => {
  let p = made.get(dir)
  if (!p) made.set(dir, (p = fs.promises.mkdir(dir, { recursive: true }).catch((err) => (made.delete(dir), Promise.reject(err)))))
  return p
}
const exists = (p: string) => fs.promises.lstat(p).then(() => true, () => false)

async function ingest(job: IngestJob, temps: string[]): Promise<IngestResult> {
  const stats: JobStats = { hashed: 0, copied: 0, compressed: 0, reusedVariants: 0 }
  const staged: Staged[] = []
  let fp = job.known
  let size = job.size
  let bytes: Buffer | null = null
  let temp: string | null = null
  let unneeded: string | null = null
  // Hash, size, copy and variants all come from one read of the source: a file rewritten
  // during the build can never be listed with one content and written (or compressed) with
  // another. A cached fingerprint is trusted only where nothing has to be read: the file is
  // already in place under its name. Anything that must be copied is hashed as it is copied.
  if (fp && !(await exists(path.join(job.outDir, fingerprintName(job.name, hashOfDigest(Buffer.from(fp.sha256, 'hex'))))))) fp = null
  if (!fp) {
    stats.hashed++
    const dir = path.join(job.outDir, path.posix.dirname(job.name))
    if (size > STREAM_ABOVE) {
      // One pass: hash while copying to a temp file (its directory is made now, for the rename).
      await mkdirOnce(dir)
      temp = newTemp(path.join(dir, path.posix.basename(job.name)), job.outDir, temps)
      const sha256 = crypto.createHash('sha256')
      const sha384 = crypto.createHash('sha384')
      let copied = 0
      await pipeline(fs.createReadStream(job.abs), tap((c) => (sha256.update(c), sha384.update(c), (copied += c.length))), fs.createWriteStream(temp, { flags: 'wx' }))
      // The size of the bytes hashed, not of the stat taken before: they differ if the file changed meanwhile.
      size = copied
      const digest = sha256.digest()
      fp = { sha256: digest.toString('hex'), integrity: integrityOfDigest(sha384.digest()) }
    } else {
      bytes = await fs.promises.readFile(job.abs)
      size = bytes.length
      fp = { sha256: crypto.createHash('sha256').update(bytes).digest('hex'), integrity: integrity(bytes) }
    }
  }
  const file = fingerprintName(job.name, hashOfDigest(Buffer.from(fp.sha256, 'hex')))
  const dest = path.join(job.outDir, file)
  const existing = await fs.promises.lstat(dest).catch(() => null)
  const wrong = existing && (!existing.isFile() || existing.size !== size || (job.verify && (await digestFile(dest)).integrity !== fp.integrity))
  if (wrong && job.known) {
    // A repair writes exactly the bytes the name promises: hash the source rather than trust the cache.
    return ingest({ ...job, known: null }, temps)
  }
  if (existing && wrong) {
    // The bytes are the source's, just hashed: in memory, or already streamed to the temp file.
    if (!temp) {
      temp = newTemp(dest, job.outDir, temps)
      await fs.promises.writeFile(temp, bytes!, { flag: 'wx' })
    }
    stats.copied++
    staged.push({ temp, dest, replaces: existing.size })
  } else if (existing) {
    // Same name, same bytes: the copy is not needed, except to feed the variants below.
    unneeded = temp
  } else {
    if (!temp) {
      await mkdirOnce(path.dirname(dest))
      temp = newTemp(dest, job.outDir, temps)
      if (bytes) await fs.promises.writeFile(temp, bytes, { flag: 'wx' })
      else await fs.promises.copyFile(job.abs, temp, fs.constants.COPYFILE_EXCL)
    }
    stats.copied++
    staged.push({ temp, dest })
  }
  const variants: Variant[] = []
  if (job.compress && isCompressible(job.name, false)) {
    for (const encoding of job.compress.encodings) {
      // Never a second read of the source: the bytes read above, the temp copy made from
      // them, or the file already in place under the name that promises those bytes.
      const made = temp ?? dest
      const v = await variant(encoding, file, fp.sha256, size, job.outDir, job.compress, stats, staged, temps, () => (bytes ? Promise.resolve(bytes) : size <= STREAM_ABOVE ? fs.promises.readFile(made) : null), made)
      if (v) variants.push(v)
    }
  }
  if (unneeded) await fs.promises.rm(unneeded, { force: true })
  return { file, size, ...fp, staged, variants, ...stats }
}

async function compressBytes(job: CompressJob, temps: string[]): Promise<CompressResult> {
  const stats: JobStats = { hashed: 0, copied: 0, compressed: 0, reusedVariants: 0 }
  const staged: Staged[] = []
  const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength)
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex')
  const variants: Variant[] = []
  for (const encoding of job.compress.encodings) {
    const v = await variant(encoding, job.file, sha256, bytes.length, job.outDir, job.compress, stats, staged, temps, () => Promise.resolve(bytes), null)
    if (v) variants.push(v)
  }
  return { staged, variants, ...stats }
}

const SUFFIX: Record<Encoding, string> = { br: '.br', gzip: '.gz' }

/**
 * One precompressed variant of `file`, kept only when it is at least 5% smaller. Reused,
 * in this order, from the artifact directory (same name, same bytes), from the cache by
 * content hash (only if it decompresses to exactly the source), or compressed anew.
 */
async function variant(encoding: Encoding, file: string, sha256: string, size: number, outDir: string, c: CompressSettings, stats: JobStats,
  staged: Staged[], temps: string[], memory: () => Promise<Buffer> | null, source: string | null): Promise<Variant | null> {
  if (size === 0) return null
  const vfile = file + SUFFIX[encoding]
  const dest = path.join(outDir, vfile)
  const cached = c.cacheDir ? path.join(c.cacheDir, 'compress', `${sha256}.${encoding}.q${encoding === 'br' ? c.brotliQuality : c.gzipLevel}`) : null
  let replaces: number | undefined
  const existing = await fs.promises.lstat(dest).catch(() => null)
  if (existing) {
    // Kept only if it decompresses to exactly the source: a truncated or corrupted variant
    // is never listed, it is made again and replaces the one found.
    if (existing.isFile() && (await verifiedFromCache(dest, encoding, sha256))) {
      stats.reusedVariants++
      return { encoding, file: vfile, ...(await digestFile(dest)) }
    }
    replaces = existing.size
  }
  if (cached && (await exists(`${cached}.skip`))) return null
  await mkdirOnce(path.dirname(dest))
  const temp = newTemp(dest, outDir, temps)
  const inMemory = memory()
  let out: { size: number; integrity: string }
  if (cached && (await verifiedFromCache(cached, encoding, sha256))) {
    stats.reusedVariants++
    await fs.promises.copyFile(cached, temp, fs.constants.COPYFILE_EXCL)
    out = await digestFile(temp)
  } else {
    stats.compressed++
    out = inMemory ? await writeCompressed(encoding, await inMemory, c, temp) : await streamCompressed(encoding, source!, c, temp)
    if (cached) await saveToCache(cached, out.size <= size * 0.95 ? temp : null, c.cacheDir!)
  }
  if (out.size > size * 0.95) {
    await fs.promises.rm(temp, { force: true })
    return null
  }
  staged.push({ temp, dest, replaces })
  return { encoding, file: vfile, ...out }
}

async function writeCompressed(encoding: Encoding, bytes: Buffer, c: CompressSettings, temp: string) {
  const out = await compress(encoding, bytes, c)
  await fs.promises.writeFile(temp, out, { flag: 'wx' })
  return { size: out.length, integrity: integrity(out) }
}

/** Compresses a large file from disk to `temp` in one pass, hashing what is written. */
async function streamCompressed(encoding: Encoding, source: string, c: CompressSettings, temp: string) {
  const sha384 = crypto.createHash('sha384')
  let size = 0
  let first = true
  const compressor = encoding === 'gzip' ? zlib.createGzip({ level: c.gzipLevel }) : zlib.createBrotliCompress({ params: brotliParams(c, fs.statSync(source).size) })
  await pipeline(fs.createReadStream(source), compressor, tap((chunk) => {
    if (first && encoding === 'gzip') chunk[9] = 3
    first = false
    size += chunk.length
    sha384.update(chunk)
  }), fs.createWriteStream(temp, { flags: 'wx' }))
  return { size, integrity: integrityOfDigest(sha384.digest()) }
}

async function digestFile(file: string) {
  const { digest, size } = await hashStream('sha384', fs.createReadStream(file))
  return { size, integrity: integrityOfDigest(digest) }
}

function brotliParams(c: CompressSettings, size: number) {
  return { [zlib.constants.BROTLI_PARAM_QUALITY]: c.brotliQuality, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size }
}

function compress(encoding: Encoding, bytes: Buffer, c: CompressSettings): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (encoding === 'gzip') {
      zlib.gzip(bytes, { level: c.gzipLevel }, (err, out) => {
        if (err) return reject(err)
        out[9] = 3 // the OS byte of the gzip header: the same on every machine
        resolve(out)
      })
    } else {
      zlib.brotliCompress(bytes, { params: brotliParams(c, bytes.length) }, (err, out) => (err ? reject(err) : resolve(out)))
    }
  })
}

/** True when the variant (cached, or in the artifact directory) decompresses to exactly the content with this SHA-256. */
async function verifiedFromCache(cached: string, encoding: Encoding, sha256: string): Promise<boolean> {
  try {
    const { digest } = await hashStream('sha256', fs.createReadStream(cached), encoding === 'br' ? zlib.createBrotliDecompress() : zlib.createGunzip())
    return digest.toString('hex') === sha256
  } catch {
    return false
  }
}

/** Keeps a variant (or, with null, the fact that it was not worth keeping) for later builds. */
async function saveToCache(cached: string, from: string | null, cacheDir: string): Promise<void> {
  try {
    await fs.promises.mkdir(path.dirname(cached), { recursive: true })
    const temp = tempPath(cached, cacheDir)
    if (from) await fs.promises.copyFile(from, temp)
    else await fs.promises.writeFile(temp, '')
    await fs.promises.rename(temp, from ? cached : `${cached}.skip`)
  } catch {
    // The cache only ever saves time; failing to fill it is not an error.
  }
}

const COMPRESSIBLE = new Set(['.js', '.mjs', '.cjs', '.css', '.svg', '.json', '.html', '.htm', '.txt', '.xml', '.wasm', '.csv', '.md', '.webmanifest', '.ttf', '.otf', '.eot', '.ico', '.bmp'])

export function isCompressible(file: string, sourceMaps: boolean): boolean {
  const ext = path.posix.extname(file).toLowerCase()
  return COMPRESSIBLE.has(ext) || (sourceMaps && ext === '.map')
}

function tap(fn: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      fn(chunk)
      done(null, chunk)
    },
  })
}
