// kiln-assets/serve: serves exactly the files a manifest lists, with immutable caching. The route
// table is built once from `files`; nothing else on disk is reachable, so no request can
// traverse out of the artifact directory, whatever its encoding.
import fs from 'node:fs'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { loadManifest, tables, type Assets } from './index.js'
import { checkFile, type ValidManifest } from './validate.js'
import { mimeType } from './mime.js'

export interface ServeOptions {
  /**
   * The Assets your app looks names up in (from loadManifest). Serving then follows the very
   * manifest it holds: with `reload: true`, each new build's files are served from the moment
   * its lookups return their URLs. Default: the manifest is read once, here.
   */
  assets?: Assets<unknown>
  /** Path of manifest.json. Default: `<dir>/manifest.json`, else KILN_MANIFEST or public/assets/manifest.json. */
  manifest?: string
  /** The artifact directory. Default: the manifest's directory. */
  dir?: string
  /** URL path prefix to answer under. Default: KILN_PUBLIC_PATH, else the manifest's publicPath. */
  prefix?: string
  /** Development only: follow rebuilds (as loadManifest's `reload`). Ignored when `assets` is given. */
  reload?: boolean
  /**
   * Send `Access-Control-Allow-Origin: *` (default true). Assets served from another origin
   * (ASSET_HOST, a CDN pulling from this server) are fetched in CORS mode — module scripts,
   * fonts, and anything with an integrity attribute — and fail without it.
   */
  cors?: boolean
  env?: Record<string, string | undefined>
  /** Where a file that differs from the manifest is reported (it is answered 500). Default: console.error. */
  log?: (message: string) => void
}

export type Next = (err?: unknown) => void
export type Handler = (req: IncomingMessage, res: ServerResponse, next?: Next) => void

interface Representation {
  abs: string
  size: number
  etag: string
}

interface Route extends Representation {
  type: string
  br?: Representation
  gzip?: Representation
}

const IMMUTABLE = 'public, max-age=31536000, immutable'
const MAX_PATH = 4096

export function serveAssets(options: ServeOptions = {}): Handler {
  const env = options.env ?? process.env
  const assets = options.assets ?? loadManifest(options.manifest ?? (options.dir ? path.join(options.dir, 'manifest.json') : undefined), { env, reload: options.reload })
  const dir = path.resolve(options.dir ?? path.dirname(assets.source))
  const cors = options.cors !== false
  const log = options.log ?? ((message: string) => console.error(message))
  // Routes are built once per manifest the runtime loads. Files of earlier manifests stay
  // routable: a page rendered before a rebuild still asks for them, and the artifact
  // directory is append-only, so a name keeps its bytes.
  let seen: ValidManifest | undefined
  let prefix = ''
  const routes = new Map<string, Route>()
  const table = tables.get(assets)
  if (!table) throw new TypeError('options.assets is not an Assets from loadManifest() or fromManifest()')
  const current = () => {
    const m = table().manifest
    if (m !== seen) {
      addRoutes(m, dir, routes)
      prefix = normalizePrefix(options.prefix ?? (env.KILN_PUBLIC_PATH || m.publicPath))
      seen = m
    }
  }
  current()

  return function kilnServe(req, res, next) {
    current()
    const route = match(req.url, prefix, routes)
    if (!route) return next ? next() : end(res, 404)
    if (req.method !== 'GET' && req.method !== 'HEAD') return end(res, 405, { Allow: 'GET, HEAD' })
    const range = rangeOf(req, route)
    const chosen = range ? undefined : negotiate(String(req.headers['accept-encoding'] ?? ''), route)
    const body = chosen ? route[chosen]! : route
    const headers: Record<string, string | number> = {
      'Cache-Control': IMMUTABLE,
      'Content-Type': route.type,
      ETag: body.etag,
      'Accept-Ranges': 'bytes',
      'X-Content-Type-Options': 'nosniff',
    }
    if (route.br || route.gzip) headers.Vary = 'Accept-Encoding'
    if (cors) headers['Access-Control-Allow-Origin'] = '*'
    if (chosen) headers['Content-Encoding'] = chosen === 'gzip' ? 'gzip' : 'br'
    if (etagMatches(req.headers['if-none-match'], body.etag)) return end(res, 304, headers)
    if (range === 'unsatisfiable') return end(res, 416, { ...headers, 'Content-Range': `bytes */${route.size}` })
    let start = 0
    let last = body.size - 1
    if (range) {
      ;[start, last] = range
      headers['Content-Range'] = `bytes ${start}-${last}/${route.size}`
    }
    const length = Math.max(0, last - start + 1)
    headers['Content-Length'] = length
    fs.open(body.abs, 'r', (err, fd) => {
      // Listed but gone from disk (a bad deploy): let the app decide, or 404.
      if (err) return next ? next() : end(res, 404)
      fs.fstat(fd, (err, stat) => {
        // Content-Length and ranges come from the manifest: only a file of exactly that size may
        // be sent under them (HEAD included). A shorter one would end the body early, and on a
        // keep-alive connection the next response would be read as the rest of this one.
        if (err || !stat.isFile() || stat.size !== body.size) {
          fs.close(fd, () => {})
          log(`kiln-assets/serve: ${body.abs} is ${err ? `unreadable (${err.code})` : stat.isFile() ? `${stat.size} bytes` : 'not a file'}, but the manifest says ${body.size} bytes; answered 500. The artifact directory was changed after the build: run \`kiln verify\`, then build and deploy again`)
          return end(res, 500)
        }
        if (req.method === 'HEAD' || length === 0) {
          fs.close(fd, () => {})
          return end(res, range ? 206 : 200, headers)
        }
        res.writeHead(range ? 206 : 200, headers)
        const stream = fs.createReadStream('', { fd, start, end: last })
        // The response is ended here, not by pipeline: a file that shrank while being read
        // destroys the connection instead of ending a short body on it. pipeline still cleans
        // up: an aborted download (or one already gone) destroys the stream, closing its file.
        pipeline(stream, res, { end: false }).then(() => (stream.bytesRead === length ? res.end() : res.destroy()), () => res.destroy())
      })
    })
  }
}

function addRoutes(m: ValidManifest, dir: string, routes: Map<string, Route>): void {
  // Every record is checked here (its path above all): serving trusts none it has not checked.
  for (const file in m.files) checkFile(m, file)
  const rep = (file: string): Representation => ({ abs: path.join(dir, file), size: m.files[file]!.size, etag: `"${m.files[file]!.integrity}"` })
  for (const file in m.files) {
    const route: Route = { ...rep(file), type: withCharset(mimeType(file)) }
    if (m.files[`${file}.br`]) route.br = rep(`${file}.br`)
    if (m.files[`${file}.gz`]) route.gzip = rep(`${file}.gz`)
    routes.set(file, route)
  }
}

function normalizePrefix(p: string): string {
  let pathname = p
  if (/^[a-z][a-z0-9+.-]*:\/\/|^\/\//i.test(p)) pathname = new URL(p, 'http://x').pathname
  if (!pathname.startsWith('/')) pathname = `/${pathname}`
  return pathname.endsWith('/') ? pathname : `${pathname}/`
}

function withCharset(type: string): string {
  return /^text\/|javascript|json|svg\+xml/.test(type) ? `${type}; charset=utf-8` : type
}

/** The route for a request target, or undefined. Only origin-form targets under the prefix. */
function match(url: string | undefined, prefix: string, routes: Map<string, Route>): Route | undefined {
  if (typeof url !== 'string' || url.length > MAX_PATH + prefix.length || !url.startsWith(prefix)) return undefined
  const q = url.search(/[?#]/)
  const raw = url.slice(prefix.length, q < 0 ? undefined : q)
  try {
    return routes.get(decodeURIComponent(raw))
  } catch {
    return undefined
  }
}

function end(res: ServerResponse, status: number, headers: Record<string, string | number> = {}): void {
  const h = status >= 400 ? { ...headers, 'Content-Length': 0, 'Cache-Control': 'no-store' } : headers
  if (status === 304) delete h['Content-Length']
  res.writeHead(status, h)
  res.end()
}

/** The best acceptable precompressed variant by q-value (br wins ties), or undefined for identity. */
function negotiate(header: string, route: Route): 'br' | 'gzip' | undefined {
  if (!route.br && !route.gzip) return undefined
  const q = new Map<string, number>()
  for (const part of header.slice(0, 1024).split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';')
    if (!token) continue
    let value = 1
    for (const p of params) {
      const [k, v] = p.trim().split('=')
      if (k === 'q') value = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(v ?? '') ? Number(v) : 0
    }
    q.set(token, value)
  }
  const star = q.get('*') ?? 0
  const score = (enc: string) => q.get(enc) ?? (enc === 'gzip' ? (q.get('x-gzip') ?? star) : star)
  const br = route.br ? score('br') : 0
  const gz = route.gzip ? score('gzip') : 0
  if (br > 0 && br >= gz) return 'br'
  if (gz > 0) return 'gzip'
  return undefined
}

function etagMatches(header: string | string[] | undefined, etag: string): boolean {
  if (typeof header !== 'string') return false
  if (header.trim() === '*') return true
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)
}

/** A single satisfiable byte range [start, last], 'unsatisfiable', or undefined to send everything. */
function rangeOf(req: IncomingMessage, route: Route): [number, number] | 'unsatisfiable' | undefined {
  const header = req.headers.range
  if (typeof header !== 'string' || req.method !== 'GET' && req.method !== 'HEAD') return undefined
  const ifRange = req.headers['if-range']
  if (typeof ifRange === 'string' && ifRange !== route.etag) return undefined
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!m || (m[1] === '' && m[2] === '') || m[1]!.length > 15 || m[2]!.length > 15) return undefined
  const size = route.size
  let start: number
  let last: number
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0) return 'unsatisfiable'
    start = Math.max(0, size - suffix)
    last = size - 1
  } else {
    start = Number(m[1])
    last = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
    if (m[2] !== '' && Number(m[2]) < start) return undefined
  }
  if (start >= size) return 'unsatisfiable'
  return [start, last]
}
