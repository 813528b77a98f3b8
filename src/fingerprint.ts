// The naming rule, once: `name-HASH.ext`, where HASH is 8 base32 characters — the same
// alphabet and length esbuild uses for its [hash], so every file Kiln writes parses alike.
import crypto from 'node:crypto'
import path from 'node:path'
import { importModule } from './import-module.js'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
export const HASH_LENGTH = 8
const HASHED = new RegExp(`^(.+)-([A-Z2-7]{${HASH_LENGTH}})((?:\\.[^./]+)*)$`)
const MAYBE_HASHED = new RegExp(`-[A-Z2-7]{${HASH_LENGTH}}(?:\\.|$)`)

/** 8 base32 characters of the SHA-256 of the given bytes (40 bits). */
export function contentHash(...parts: (Buffer | string)[]): string {
  const h = crypto.createHash('sha256')
  for (const p of parts) h.update(p)
  return hashOfDigest(h.digest())
}

/** A stable hash (hex SHA-256) of any JSON-able value: the one way cache and scan keys are made. */
export function keyOf(value: unknown): string {
  return sha256Hex(JSON.stringify(value))
}

/** Hex SHA-256 of bytes or text: keys, an input's content in the build cache, checksums of cache files. */
export function sha256Hex(data: Uint8Array | string): string {
  return crypto.createHash('sha256').update(data).digest('hex')
}

/** The fingerprint for a digest computed elsewhere (e.g. while streaming a file): its first 40 bits in base32. */
export function hashOfDigest(digest: Buffer): string {
  return base32(digest.subarray(0, 5))
}

/**
 * The output name of a static file: `images/logo.png` → `images/logo-HASH.png`, HASH taken
 * from the SHA-384 digest its SRI value already carries, so each file is hashed once. This
 * is the only place a static file's name is derived: statics.ts (a cached fingerprint) and
 * the workers (a fresh one) both call it.
 */
export function staticFileName(logical: string, integrity: string): string {
  return fingerprintName(logical, hashOfIntegrity(integrity))
}

/** Base64 digit values by character code (-1: not a digit). */
const BASE64 = new Int8Array(128).fill(-1)
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) BASE64[c.charCodeAt(0)] = i

/**
 * hashOfDigest(digestOfIntegrity(integrity)), read straight from the base64: its first 40
 * bits regrouped into base32 digits, with no Buffer per call (a no-op rebuild names every
 * cached static file this way, and decoding 48 bytes for 5 was a tenth of its statics step).
 */
export function hashOfIntegrity(integrity: string): string {
  let out = ''
  let bits = 0
  let value = 0
  for (let i = integrity.indexOf('-') + 1; out.length < HASH_LENGTH; i++) {
    const digit = BASE64[integrity.charCodeAt(i)] ?? -1
    if (digit < 0) return hashOfDigest(digestOfIntegrity(integrity)) // not plain base64: Buffer's lenient decoding decides
    // Only the bits not yet emitted are kept (at most 4 + 6), so `value` never overflows.
    value = ((value << 6) | digit) & 0x3ff
    bits += 6
    while (bits >= 5 && out.length < HASH_LENGTH) {
      out += ALPHABET[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  return out
}

/** The digest an SRI value (`sha384-<base64>`) carries. */
export function digestOfIntegrity(integrity: string): Buffer {
  return Buffer.from(integrity.slice(integrity.indexOf('-') + 1), 'base64')
}

function base32(bytes: Buffer): string {
  let out = ''
  let bits = 0
  let value = 0
  for (const byte of bytes) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  return out
}

/** Subresource Integrity value of the given bytes. */
export function integrity(bytes: Buffer | string): string {
  return integrityOfDigest(crypto.createHash('sha384').update(bytes).digest())
}

/** The SRI value for a SHA-384 digest computed elsewhere (e.g. while streaming). */
export function integrityOfDigest(sha384: Buffer): string {
  return `sha384-${sha384.toString('base64')}`
}

/**
 * Digest and byte count of what flows out of a stream pipeline (a file, or a file through a
 * decompressor), without holding it in memory.
 */
export async function hashStream(algorithm: string, ...streams: NodeJS.ReadableStream[]): Promise<{ digest: Buffer; size: number }> {
  const hash = crypto.createHash(algorithm)
  let size = 0
  // Streams load here, not with the naming rule: most builds never hash a stream.
  const { pipeline } = await importModule<typeof import('node:stream/promises')>('node:stream/promises')
  await pipeline(...(streams as [NodeJS.ReadableStream]), async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      hash.update(chunk)
      size += chunk.length
    }
  })
  return { digest: hash.digest(), size }
}

/** `images/logo.png` + hash → `images/logo-HASH.png` (only the last extension follows the hash). */
export function fingerprintName(logical: string, hash: string, ext = path.posix.extname(logical)): string {
  const stem = logical.slice(0, logical.length - path.posix.extname(logical).length)
  return `${stem}-${hash}${ext}`
}

export interface ParsedName {
  name: string
  hash: string
  ext: string
}

/** Inverse of fingerprintName on a basename or path; null when the name carries no fingerprint. */
export function parseFingerprint(file: string): ParsedName | null {
  // What HASHED needs somewhere, found without its backtracking: discover asks it of every file.
  if (!MAYBE_HASHED.test(file)) return null
  const dir = path.posix.dirname(file)
  const base = path.posix.basename(file)
  const m = HASHED.exec(base)
  if (!m) return null
  const name = dir === '.' ? m[1]! : `${dir}/${m[1]}`
  return { name, hash: m[2]!, ext: m[3]! }
}
