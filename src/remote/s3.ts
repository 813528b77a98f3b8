// A small S3 client over fetch, signed with aws4fetch (SigV4, ~90 KB, no dependencies; the
// AWS SDK is ~22 MB, ~400 ms to import, and its default CRC32 streaming checksums are
// rejected by Ceph RGW with 411). Only what publishing and the remote build cache need:
// LIST, HEAD, GET, PUT with Content-MD5, multipart upload. Retries with backoff on 5xx, 429/SlowDown,
// network errors and timeouts. Credentials and signatures never reach a message: errors
// name the method, key and status only, and every text leaving here is passed through
// redact() as well.
import { createHash } from 'node:crypto'
import { AwsClient } from 'aws4fetch'

export interface S3Settings {
  endpoint: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

export interface S3Object {
  key: string
  size: number
  etag: string
  /** ISO time of the last write, as LIST gives it ('' from HEAD). */
  modified?: string
}

export class S3Error extends Error {
  constructor(text: string, readonly status: number, readonly code: string) {
    super(text)
    this.name = 'S3Error'
  }
}

const RETRIES = 5
const TIMEOUT_MS = 120_000

/** How hard to try: publishing waits out a long outage; a build's cache gives up sooner and builds locally. */
export interface Patience {
  retries: number
  timeoutMs: number
}

export class S3Client {
  private readonly aws: AwsClient
  private readonly secrets: string[]
  constructor(readonly settings: S3Settings, readonly bucket: string, private readonly patience: Patience = { retries: RETRIES, timeoutMs: TIMEOUT_MS }) {
    this.aws = new AwsClient({ accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey, sessionToken: settings.sessionToken, service: 's3', region: settings.region, retries: 0 })
    this.secrets = [settings.secretAccessKey, settings.sessionToken ?? ''].filter((s) => s.length >= 4)
  }

  /** Removes anything secret from a text about to be shown. */
  redact(text: string): string {
    let out = text
    for (const s of this.secrets) out = out.split(s).join('[redacted]')
    return out.replace(/(X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature)=[^&\s"]+/gi, '$1=[redacted]')
  }

  url(key: string, query = ''): string {
    const base = this.settings.endpoint.replace(/\/+$/, '')
    return `${base}/${encodeSegment(this.bucket)}/${key.split('/').map(encodeSegment).join('/')}${query ? `?${query}` : ''}`
  }

  /** Every object under the prefix (ListObjectsV2, all pages). */
  async list(prefix: string): Promise<Map<string, S3Object>> {
    const found = new Map<string, S3Object>()
    let token: string | undefined
    do {
      const q = new URLSearchParams({ 'list-type': '2', 'max-keys': '1000', ...(prefix ? { prefix } : {}), ...(token ? { 'continuation-token': token } : {}) })
      const res = await this.request('GET', `${this.settings.endpoint.replace(/\/+$/, '')}/${encodeSegment(this.bucket)}?${q.toString().replace(/\+/g, '%20')}`, 'LIST', prefix || '/')
      const xml = await res.text()
      for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const body = m[1]!
        const key = xmlText(body, 'Key')
        if (key === null) continue
        found.set(key, { key, size: Number(xmlText(body, 'Size') ?? -1), etag: normalizeEtag(xmlText(body, 'ETag') ?? ''), modified: xmlText(body, 'LastModified') ?? '' })
      }
      token = xmlText(xml, 'IsTruncated') === 'true' ? (xmlText(xml, 'NextContinuationToken') ?? undefined) : undefined
    } while (token)
    return found
  }

  async head(key: string): Promise<S3Object | null> {
    const res = await this.request('HEAD', this.url(key), 'HEAD', key, {}, undefined, [404])
    if (res.status === 404) return null
    return { key, size: Number(res.headers.get('content-length') ?? -1), etag: normalizeEtag(res.headers.get('etag') ?? '') }
  }

  /** An object's bytes, or null when there is none. */
  async get(key: string): Promise<Buffer | null> {
    const res = await this.request('GET', this.url(key), 'GET', key, {}, undefined, [404])
    if (res.status === 404) {
      await res.arrayBuffer().catch(() => undefined)
      return null
    }
    return Buffer.from(await res.arrayBuffer())
  }

  /** PUT; `ifNoneMatch` makes it create-only (412 when the key exists, returned, not thrown). */
  async put(key: string, body: Uint8Array, headers: Record<string, string>, ifNoneMatch: boolean): Promise<{ status: number; etag: string }> {
    const h: Record<string, string> = { ...headers, 'Content-MD5': md5(body).toString('base64') }
    if (ifNoneMatch) h['If-None-Match'] = '*'
    const res = await this.request('PUT', this.url(key), 'PUT', key, h, body, [412])
    await res.arrayBuffer().catch(() => undefined)
    return { status: res.status, etag: normalizeEtag(res.headers.get('etag') ?? '') }
  }

  /** Multipart upload: parts read by `part(i)`; If-None-Match on the completion (412 returned). */
  async putMultipart(key: string, parts: number, part: (i: number) => Promise<Uint8Array>, headers: Record<string, string>, ifNoneMatch: boolean): Promise<{ status: number; etag: string }> {
    const init = await this.request('POST', this.url(key, 'uploads='), 'CREATE-MULTIPART', key, headers)
    const uploadId = xmlText(await init.text(), 'UploadId')
    if (!uploadId) throw new S3Error(`CREATE-MULTIPART ${key}: no UploadId in the answer`, init.status, 'NoUploadId')
    try {
      const etags: string[] = []
      for (let i = 0; i < parts; i++) {
        const body = await part(i)
        const q = `partNumber=${i + 1}&uploadId=${encodeURIComponent(uploadId)}`
        const res = await this.request('PUT', this.url(key, q), 'UPLOAD-PART', key, { 'Content-MD5': md5(body).toString('base64') }, body)
        await res.arrayBuffer().catch(() => undefined)
        etags.push(res.headers.get('etag') ?? '')
      }
      const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`
      const res = await this.request('POST', this.url(key, `uploadId=${encodeURIComponent(uploadId)}`), 'COMPLETE-MULTIPART', key, ifNoneMatch ? { 'If-None-Match': '*' } : {}, new TextEncoder().encode(xml), [412])
      const text = await res.text()
      if (res.status === 412) {
        await this.abort(key, uploadId)
        return { status: 412, etag: '' }
      }
      if (/<Error>/.test(text)) throw new S3Error(`COMPLETE-MULTIPART ${key}: ${xmlText(text, 'Code') ?? 'error'}`, 500, xmlText(text, 'Code') ?? 'Error')
      return { status: res.status, etag: normalizeEtag(xmlText(text, 'ETag') ?? res.headers.get('etag') ?? '') }
    } catch (err) {
      await this.abort(key, uploadId).catch(() => undefined)
      throw err
    }
  }

  private async abort(key: string, uploadId: string) {
    const res = await this.request('DELETE', this.url(key, `uploadId=${encodeURIComponent(uploadId)}`), 'ABORT-MULTIPART', key, {}, undefined, [404])
    await res.arrayBuffer().catch(() => undefined)
  }

  async request(method: string, url: string, what: string, key: string, headers: Record<string, string> = {}, body?: Uint8Array, accept: number[] = []): Promise<Response> {
    let last: unknown
    for (let attempt = 0; attempt <= this.patience.retries; attempt++) {
      if (attempt) await sleep(Math.min(8000, 100 * 2 ** attempt) * (0.5 + Math.random()))
      let res: Response
      try {
        const signed = await this.aws.sign(url, { method, headers, body: body as RequestInit["body"] })
        res = await fetch(signed, { signal: AbortSignal.timeout(this.patience.timeoutMs) })
      } catch (err) {
        last = new S3Error(`${what} ${key}: ${networkReason(err, this.patience.timeoutMs)}`, 0, 'NetworkError')
        continue
      }
      if (res.ok || accept.includes(res.status)) return res
      const text = method === 'HEAD' ? '' : await res.text().catch(() => '')
      const code = xmlText(text, 'Code') ?? `HTTP${res.status}`
      last = new S3Error(`${what} ${key}: HTTP ${res.status} ${code}`, res.status, code)
      if (!(res.status >= 500 || res.status === 429 || ['SlowDown', 'RequestTimeout', 'OperationAborted', 'ConcurrentModification'].includes(code))) break
    }
    throw Object.assign(last as S3Error, { message: this.redact((last as Error).message) })
  }
}

function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: string }; code?: string }
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`
  return `network error (${e?.cause?.code ?? e?.code ?? e?.name ?? 'unknown'})`
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

function xmlText(xml: string, tag: string): string | null {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml)
  return m ? unescapeXml(m[1]!) : null
}

function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-f]+);/gi, (_, e: string) =>
    e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'" : e === 'amp' ? '&'
      : String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)))
}

export function normalizeEtag(etag: string): string {
  return etag.replace(/^W\//, '').replace(/"/g, '').toLowerCase()
}

export function md5(b: Uint8Array): Buffer {
  return createHash('md5').update(b).digest()
}
