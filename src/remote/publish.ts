// kiln publish s3://bucket/prefix: uploads the last build's artifact so a CDN can serve it.
// Append-only like the artifact directory: one LIST of the prefix; a key already there with
// the same size and ETag is skipped, one with other bytes is refused (before anything is
// written); new files go up create-only (If-None-Match: *, Content-MD5, immutable
// Cache-Control), and only when every one is confirmed are the mutable manifests written
// (compatibility manifests, then manifest.json, Cache-Control: no-cache). An interrupted
// publish leaves the previous manifest and is completed by running it again.
// --verify downloads nothing: LIST, then size + ETag of every key against the local build.
import fs from 'node:fs'
import path from 'node:path'
import { resolveConfig, type BuildOptions } from '../config.js'
import { buildError, displayPath } from '../diagnostics.js'
import { FORMATS } from '../formats/index.js'
import { HISTORY_DIR, MANIFEST_NAME } from '../manifest.js'
import { mimeType } from '../runtime/mime.js'
import { validateManifest } from '../runtime/validate.js'
import { S3Client, S3Error, md5, type S3Object } from './s3.js'
import { resolvePublishSettings, type PublishSettings } from './settings.js'

export { describeSettings } from './settings.js'

export const PART_SIZE = 16 * 1024 * 1024
const IMMUTABLE = 'public, max-age=31536000, immutable'
const NO_CACHE = 'no-cache'

/** target, variants and concurrency as the command line gives them; each falls back to the config's `publish` key, then the default (settings.ts). */
export interface PublishOptions extends BuildOptions {
  /** s3://bucket/prefix. Default: publish.target of the config. */
  target?: string
  dryRun?: boolean
  verify?: boolean
  variants?: boolean
  concurrency?: number
  env?: NodeJS.ProcessEnv
  /** Told the settings and where each came from, once resolved (the CLI's --verbose). */
  onSettings?: (settings: PublishSettings) => void
  /** Told of every step and finished upload, always with the same object (the CLI's progress line polls it). */
  onProgress?: (progress: PublishProgress) => void
}

export interface PublishProgress {
  /** Reading the build (sizes and ETags), listing the prefix, then uploading. */
  phase: 'reading' | 'listing' | 'uploading'
  /** Files to upload (those already there are `skipped`), and their bytes. */
  files: number
  bytes: number
  done: number
  doneBytes: number
  skipped: number
  refused: number
}

interface Item {
  rel: string
  key: string
  abs: string
  size: number
  etag: string
  type: string
  encoding?: string
  mutable: boolean
}

export interface PublishResult {
  ok: boolean
  target: string
  dryRun: boolean
  verify: boolean
  files: number
  bytes: number
  uploaded: string[]
  skipped: number
  refused: { key: string; reason: string }[]
  problems: { key: string; reason: string }[]
  uploadedBytes: number
}

export async function publish(options: PublishOptions): Promise<PublishResult> {
  const { target, dryRun = false, verify = false, variants: variantsFlag, concurrency: concurrencyFlag, onSettings, onProgress, ...buildOptions } = options
  const config = await resolveConfig(buildOptions)
  const source = buildOptions.publish !== undefined || !config.configFile ? 'the options' : displayPath(config.configFile, config.cwd)
  const settings = resolvePublishSettings({ target, concurrency: concurrencyFlag, variants: variantsFlag }, config.publish, source, config.environment)
  const { location, concurrency, variants } = settings
  onSettings?.(settings)
  const progress: PublishProgress = { phase: 'reading', files: 0, bytes: 0, done: 0, doneBytes: 0, skipped: 0, refused: 0 }
  const tell = () => onProgress?.(progress)
  tell()
  const items = await collect(config.outDir, config.cwd, config.formats, location.prefix, variants)
  const client = new S3Client(settings.s3, location.bucket)
  const result: PublishResult = { ok: false, target: `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`, dryRun, verify, files: items.length, bytes: items.reduce((n, i) => n + i.size, 0), uploaded: [], skipped: 0, refused: [], problems: [], uploadedBytes: 0 }
  try {
    progress.phase = 'listing'
    tell()
    const existing = await client.list(location.prefix ? `${location.prefix}/` : '')
    if (verify) {
      for (const item of items) {
        const there = existing.get(item.key)
        if (!there) result.problems.push({ key: item.key, reason: 'missing' })
        else if (!same(there, item)) result.problems.push({ key: item.key, reason: describeDifference(there, item) })
      }
      result.ok = result.problems.length === 0
      return result
    }
    const todo: Item[] = []
    for (const item of items) {
      const there = existing.get(item.key)
      if (!there) todo.push(item)
      else if (same(there, item)) result.skipped++
      else if (item.mutable) todo.push(item)
      else result.refused.push({ key: item.key, reason: describeDifference(there, item) })
    }
    if (result.refused.length || dryRun) {
      result.uploaded = todo.map((i) => i.key)
      result.uploadedBytes = todo.reduce((n, i) => n + i.size, 0)
      result.ok = result.refused.length === 0
      return result
    }
    // Immutable files first, in parallel; the manifests only once all of them are confirmed.
    const files = todo.filter((i) => !i.mutable)
    const manifests = todo.filter((i) => i.mutable).sort((a, b) => Number(a.rel === MANIFEST_NAME) - Number(b.rel === MANIFEST_NAME))
    Object.assign(progress, { phase: 'uploading', files: todo.length, bytes: todo.reduce((n, i) => n + i.size, 0), skipped: result.skipped })
    const finished = (item: Item) => {
      progress.done++
      progress.doneBytes += item.size
      progress.skipped = result.skipped
      progress.refused = result.refused.length
      tell()
    }
    tell()
    const queue = [...files]
    let failure: unknown = null
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, async () => {
      for (let item = queue.shift(); item && !failure; item = queue.shift()) {
        try {
          const outcome = await upload(client, item)
          if (outcome === 'uploaded') {
            result.uploaded.push(item.key)
            result.uploadedBytes += item.size
          } else if (outcome === 'same') result.skipped++
          else result.refused.push({ key: item.key, reason: outcome })
          finished(item)
        } catch (err) {
          failure ??= err
        }
      }
    }))
    if (failure) throw failure
    if (result.refused.length) return result
    for (const item of manifests) {
      await upload(client, item)
      result.uploaded.push(item.key)
      result.uploadedBytes += item.size
      finished(item)
    }
    result.ok = true
    return result
  } catch (err) {
    if (err instanceof S3Error) {
      throw buildError(client.redact(`Publishing to ${result.target} failed: ${err.message}`), null, hintFor(err, result.uploaded.length, settings))
    }
    throw err
  }
}

/** What to do next, naming where the setting at fault came from (a variable or the config's key). */
function hintFor(err: S3Error, uploaded: number, settings: PublishSettings): string {
  const again = uploaded ? `${uploaded} files went up before it; the previous manifest is still in place: run kiln publish again to finish` : 'nothing was written'
  if (err.status === 403) return `the credentials were refused (${settings.from.credentials}); ${again}`
  if (err.code === 'NoSuchBucket') return `create the bucket first; ${again}`
  if (err.status === 0) return `is the endpoint (${settings.from.endpoint}) right and reachable? ${again}`
  return again
}

/** The live line: `publishing 1,234/3,580 files · 12.3/19.4 MiB · 2 refused`. */
export function formatProgress(p: PublishProgress): string {
  if (p.phase === 'reading') return 'reading the build'
  if (p.phase === 'listing') return 'listing the bucket'
  const n = (x: number) => x.toLocaleString('en-US')
  // One unit for both, chosen by the total, so the done part moves visibly on a small publish too.
  const [unit, div] = p.bytes >= 1048576 ? ['MiB', 1048576] : ['KiB', 1024]
  const parts = [`publishing ${n(p.done)}/${n(p.files)} files`, `${(p.doneBytes / div).toFixed(1)}/${(p.bytes / div).toFixed(1)} ${unit}`]
  if (p.skipped) parts.push(`${n(p.skipped)} already there`)
  if (p.refused) parts.push(`${n(p.refused)} refused`)
  return parts.join(' · ')
}

function same(there: S3Object, item: Item): boolean {
  return there.size === item.size && there.etag === item.etag
}

function describeDifference(there: S3Object, item: Item): string {
  return there.size !== item.size ? `is ${there.size} bytes in the bucket, ${item.size} here` : `has other bytes in the bucket (ETag ${there.etag}, here ${item.etag})`
}

/**
 * 'uploaded', 'same' (a racing publisher put the same bytes first), or why it was refused.
 * A 412 whose key a HEAD cannot see yet (a racing upload still in flight) is tried again.
 */
async function upload(client: S3Client, item: Item): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await uploadOnce(client, item)
    if (outcome !== 'invisible') return outcome
    if (attempt === 5) return 'was answered 412 (exists) but could not be seen afterwards'
    await new Promise((r) => setTimeout(r, 100 * 2 ** attempt))
  }
}

async function uploadOnce(client: S3Client, item: Item): Promise<string> {
  const headers: Record<string, string> = { 'Content-Type': item.type, 'Cache-Control': item.mutable ? NO_CACHE : IMMUTABLE }
  if (item.encoding) headers['Content-Encoding'] = item.encoding
  let answer: { status: number; etag: string }
  if (item.size > PART_SIZE) {
    const fh = await fs.promises.open(item.abs, 'r')
    try {
      answer = await client.putMultipart(item.key, Math.ceil(item.size / PART_SIZE), async (i) => {
        const buf = Buffer.alloc(Math.min(PART_SIZE, item.size - i * PART_SIZE))
        await fh.read(buf, 0, buf.length, i * PART_SIZE)
        return buf
      }, headers, !item.mutable)
    } finally {
      await fh.close()
    }
  } else {
    const body = await fs.promises.readFile(item.abs)
    if (body.length !== item.size || md5(body).toString('hex') !== item.etag) throw buildError(`${item.rel} changed while publishing`, null, 'run kiln publish after the build has finished')
    answer = await client.put(item.key, body, headers, !item.mutable)
  }
  if (answer.status === 412) {
    const there = await client.head(item.key)
    if (there && same(there, item)) return 'same'
    return there ? describeDifference(there, item) : 'invisible'
  }
  if (answer.etag && answer.etag !== item.etag) throw new S3Error(`PUT ${item.key}: the store answered ETag ${answer.etag}, expected ${item.etag}`, 500, 'BadDigest')
  return 'uploaded'
}

/** What the last build wrote: every file the manifest lists, its variants, the manifest's history copy, then the mutable manifests. */
async function collect(outDir: string, cwd: string, formats: readonly string[], prefix: string, variants: boolean): Promise<Item[]> {
  const manifestPath = path.join(outDir, MANIFEST_NAME)
  const shown = displayPath(manifestPath, cwd)
  let text: string
  try {
    text = fs.readFileSync(manifestPath, 'utf8')
  } catch {
    throw buildError(`${shown} does not exist: there is no build to publish`, null, 'run kiln build first (with the same --out)')
  }
  let data: unknown
  try {
    data = JSON.parse(text)
    validateManifest(data, shown)
  } catch (err) {
    throw buildError(`${shown} is not a valid manifest: ${(err as Error).message}`, null, 'run kiln build again, then kiln verify')
  }
  const manifest = data as { assets: Record<string, { file: string; type: string; encodings?: Record<string, { file: string }> }>; files: Record<string, { size: number }> }
  const typeOf = new Map(Object.values(manifest.assets).map((a) => [a.file, a.type]))
  const entries: { rel: string; type: string; encoding?: string; mutable: boolean }[] = []
  const seen = new Set<string>()
  const add = (rel: string, type: string, mutable: boolean, encoding?: string) => {
    if (seen.has(rel)) return
    seen.add(rel)
    entries.push({ rel, type, mutable, encoding })
  }
  // Precompressed variants (listed in `files` too): their own keys, with Content-Encoding and the original's type.
  const variantOf = new Map<string, { encoding: string; type: string }>()
  for (const a of Object.values(manifest.assets)) for (const [encoding, v] of Object.entries(a.encodings ?? {})) variantOf.set(v.file, { encoding, type: a.type })
  for (const rel of Object.keys(manifest.files)) {
    for (const [encoding, ext] of [['br', '.br'], ['gzip', '.gz']] as const) {
      if (manifest.files[rel + ext] && !variantOf.has(rel + ext)) variantOf.set(rel + ext, { encoding, type: typeOf.get(rel) ?? mimeType(rel) })
    }
  }
  for (const rel of Object.keys(manifest.files).sort()) {
    const variant = variantOf.get(rel)
    if (variant && !variants) continue
    if (variant) add(rel, variant.type, false, variant.encoding)
    else add(rel, typeOf.get(rel) ?? mimeType(rel), false)
  }
  // The history copy of this manifest (content-named, so immutable like the files).
  const historyDir = path.join(outDir, HISTORY_DIR)
  for (const name of fs.existsSync(historyDir) ? fs.readdirSync(historyDir).filter((f) => f.endsWith('.json')) : []) {
    if (fs.readFileSync(path.join(historyDir, name), 'utf8') === text) add(`${HISTORY_DIR}/${name}`, 'application/json', false)
  }
  for (const name of formats) {
    const file = FORMATS[name as keyof typeof FORMATS]?.file
    if (file && fs.existsSync(path.join(outDir, file))) add(file, 'application/json', true)
  }
  add(MANIFEST_NAME, 'application/json', true)
  const items: Item[] = []
  const queue = [...entries]
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let e = queue.shift(); e; e = queue.shift()) {
      const abs = path.join(outDir, e.rel)
      const { size, etag } = await localEtag(abs).catch(() => {
        throw buildError(`${displayPath(abs, cwd)} is listed by ${shown} but cannot be read`, null, 'run kiln verify; rebuild if files are missing')
      })
      items.push({ ...e, abs, size, etag, key: prefix ? `${prefix}/${e.rel}` : e.rel })
    }
  }))
  items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  return items
}

/** The ETag S3 gives the file: its MD5, or for a multipart upload (over PART_SIZE) the MD5 of the parts' MD5s, '-', the part count. */
export async function localEtag(abs: string): Promise<{ size: number; etag: string }> {
  const size = (await fs.promises.stat(abs)).size
  if (size <= PART_SIZE) return { size, etag: md5(await fs.promises.readFile(abs)).toString('hex') }
  const fh = await fs.promises.open(abs, 'r')
  try {
    const digests: Buffer[] = []
    for (let off = 0; off < size; off += PART_SIZE) {
      const buf = Buffer.alloc(Math.min(PART_SIZE, size - off))
      await fh.read(buf, 0, buf.length, off)
      digests.push(md5(buf))
    }
    return { size, etag: `${md5(Buffer.concat(digests)).toString('hex')}-${digests.length}` }
  } finally {
    await fh.close()
  }
}

export function formatPublish(r: PublishResult): string {
  if (r.verify) {
    return r.ok ? `OK: ${r.target} holds all ${r.files} files of this build with their sizes and ETags`
      : [`Verification of ${r.target} failed with ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}:`, ...r.problems.map((p) => `  ${p.key}: ${p.reason}`)].join('\n')
  }
  if (r.refused.length) {
    return [`Refused to publish to ${r.target}: ${r.refused.length} key${r.refused.length === 1 ? '' : 's'} already hold other bytes (nothing was overwritten${r.dryRun ? '' : ', the manifest was not written'}):`,
      ...r.refused.map((p) => `  ${p.key} ${p.reason}`)].join('\n')
  }
  const verb = r.dryRun ? 'Would upload' : 'Uploaded'
  const lines = r.dryRun ? r.uploaded.map((k) => `would upload ${k}`) : []
  lines.push(`${verb} ${r.uploaded.length} of ${r.files} files (${r.uploadedBytes} bytes) to ${r.target}; ${r.skipped} already there.`)
  return lines.join('\n')
}
