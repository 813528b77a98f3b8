// Precompressed variants (.br, .gz) of a file, made on a worker: reused from the artifact
// directory or the compression cache when they decompress to exactly the content, else
// compressed anew. Each is a temp file, staged for the build's commit like any other.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Transform } from 'node:stream'
import zlib from 'node:zlib'
import { digestOfIntegrity, hashStream, integrity, integrityOfDigest } from '../fingerprint.js'
import { tempPath } from '../temp.js'
import { mkdirOnce, newTemp } from './job-files.js'
import type { CompressSettings, Encoding, JobStats, Staged, Variant } from './job-types.js'

/** The content a variant is made of: its bytes in memory, or (a large file) a file holding them. */
export interface VariantSource {
  /** Where the variant goes: `images/logo-HASH.svg` → `images/logo-HASH.svg.br`. */
  file: string
  /** SRI value of the content: keys the compression cache, and checks what a variant decompresses to. */
  integrity: string
  size: number
  bytes: () => Buffer | null
  /** A file with the content, streamed when `bytes` gives none. */
  path: string | null
}

/** What a job keeps while it makes variants: where they go, its counts, its staged and temp files. */
export interface VariantContext {
  outDir: string
  compress: CompressSettings
  stats: JobStats
  staged: Staged[]
  temps: string[]
}

const SUFFIX: Record<Encoding, string> = { br: '.br', gzip: '.gz' }

/** Every variant of `source` the settings ask for that is worth keeping. */
export async function variantsOf(source: VariantSource, c: VariantContext): Promise<Variant[]> {
  const variants: Variant[] = []
  for (const encoding of c.compress.encodings) {
    const v = await variant(encoding, source, c)
    if (v) variants.push(v)
  }
  return variants
}

/**
 * One precompressed variant, kept only when it is at least 5% smaller. Reused, in this
 * order, from the artifact directory (same name, same bytes), from the cache by content
 * hash (only if it decompresses to exactly the source), or compressed anew.
 */
async function variant(encoding: Encoding, source: VariantSource, c: VariantContext): Promise<Variant | null> {
  const { size } = source
  if (size === 0) return null
  const key = digestOfIntegrity(source.integrity).toString('hex')
  const vfile = source.file + SUFFIX[encoding]
  const dest = path.join(c.outDir, vfile)
  const s = c.compress
  const cached = s.cacheDir ? path.join(s.cacheDir, 'compress', `${key}.${encoding}.q${encoding === 'br' ? s.brotliQuality : s.gzipLevel}`) : null
  let replaces: number | undefined
  const existing = fs.lstatSync(dest, { throwIfNoEntry: false })
  if (existing) {
    // Kept only if it decompresses to exactly the source: a truncated or corrupted variant
    // is never listed, it is made again and replaces the one found.
    if (existing.isFile() && (await decompressesTo(dest, encoding, source.integrity))) {
      c.stats.reusedVariants++
      return { encoding, file: vfile, ...(await digestFile(dest)) }
    }
    replaces = existing.size
  }
  if (cached && fs.existsSync(`${cached}.skip`)) return null
  mkdirOnce(path.dirname(dest))
  const temp = newTemp(dest, c.outDir, c.temps)
  let out: { size: number; integrity: string }
  if (cached && (await decompressesTo(cached, encoding, source.integrity))) {
    c.stats.reusedVariants++
    fs.copyFileSync(cached, temp, fs.constants.COPYFILE_EXCL)
    out = await digestFile(temp)
  } else {
    c.stats.compressed++
    const bytes = source.bytes()
    out = bytes ? await writeCompressed(encoding, bytes, s, temp) : await streamCompressed(encoding, source.path!, s, temp)
    if (cached) await saveToCache(cached, out.size <= size * 0.95 ? temp : null, s.cacheDir!)
  }
  if (out.size > size * 0.95) {
    fs.rmSync(temp, { force: true })
    return null
  }
  c.staged.push({ temp, dest, replaces })
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

/** True when the variant (cached, or in the artifact directory) decompresses to exactly the content with this SRI value. */
async function decompressesTo(file: string, encoding: Encoding, sri: string): Promise<boolean> {
  try {
    const { digest } = await hashStream('sha384', fs.createReadStream(file), encoding === 'br' ? zlib.createBrotliDecompress() : zlib.createGunzip())
    return integrityOfDigest(digest) === sri
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

function tap(fn: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      fn(chunk)
      done(null, chunk)
    },
  })
}
