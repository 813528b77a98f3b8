// kiln-assets/runtime: the half of Kiln that runs in every app process. It reads one manifest
// and checks its top level at load; each name's record is checked, and its URL, integrity and
// tags built, on its first lookup, so a boot costs about one JSON.parse and a lookup after the
// first is a Map read. It never compiles, watches sources or imports anything but Node
// built-ins and its own files.
import fs from 'node:fs'
import path from 'node:path'
import { closest } from './closest.js'
import { AssetNotFoundError, ManifestError } from './errors.js'
import { mimeType } from './mime.js'
import { encodePath } from './url-path.js'
import { checkAll, checkAsset, checkFile, openManifest, type FileRecord, type ValidManifest } from './validate.js'

export { AssetNotFoundError, ManifestError }
export type { FileRecord, ValidManifest }

export interface RuntimeOptions {
  /** Origin to serve assets from, e.g. a CDN. Default: ASSET_HOST. */
  host?: string
  /** URL prefix. Default: KILN_PUBLIC_PATH, else the manifest's publicPath. */
  publicPath?: string
  /** Unknown names throw AssetNotFoundError (true, default) or return undefined (false). */
  strict?: boolean
  /** Development only: re-read the manifest when its mtime changes, at most once a second. */
  reload?: boolean
  /** Where host and publicPath defaults come from. Default: process.env. */
  env?: Record<string, string | undefined>
}

export interface AssetRef {
  readonly url: string
  readonly integrity: string
}

export interface EntryInfo extends AssetRef {
  readonly type: string
  readonly css: readonly AssetRef[]
  readonly preload: readonly AssetRef[]
}

export interface TagOptions {
  nonce?: string
  /** The crossorigin attribute; false leaves it out. Default 'anonymous'. */
  crossorigin?: 'anonymous' | 'use-credentials' | false
}

export interface Assets<Missing = never> {
  /** Absolute path of the manifest read, or the name given to fromManifest. */
  readonly source: string
  readonly publicPath: string
  has(name: string): boolean
  url(name: string): string | Missing
  integrity(name: string): string | Missing
  entry(name: string): EntryInfo | Missing
  tags(name: string, options?: TagOptions): string | Missing
  /** Every logical name, sorted. */
  names(): readonly string[]
}

type Strictness<O> = O extends { strict: false } ? Assets<undefined> : Assets

export interface Table {
  /** A name's entry, built on its first lookup; undefined for a name the manifest lacks. */
  entry: (name: string) => EntryInfo | undefined
  /** Sorted names, built on first need (suggestions, names()). */
  names: () => readonly string[]
  /** tags() without options, rendered on first use per name. */
  defaultTags: Map<string, string>
  publicPath: string
  /** The validated manifest the table was built from: kiln-assets/serve routes from the same one. */
  manifest: ValidManifest
}

/**
 * Each Assets' way to its current table (after any reload), for kiln-assets/serve: lookups and
 * serving follow one manifest, and a reload swaps both at once. Not part of the public API.
 */
export const tables = new WeakMap<Assets<unknown>, () => Table>()

export function defaultManifestPath(env: Record<string, string | undefined> = process.env): string {
  return path.resolve(env.KILN_MANIFEST || 'public/assets/manifest.json')
}

/** Reads and opens a manifest, synchronously (for boot); records are checked on first use. */
export function loadManifest<O extends RuntimeOptions>(file?: string, options?: O): Strictness<O> {
  const o = options ?? ({} as RuntimeOptions)
  const source = file ? path.resolve(file) : defaultManifestPath(o.env)
  let [m, seen] = readStamped(source)
  let table = buildTable(m, o)
  if (!o.reload) return createAssets(() => table, source, o) as Strictness<O>
  let checked = Date.now()
  return createAssets(() => {
    const now = Date.now()
    if (now - checked < 1000) return table
    checked = now
    try {
      if (stampOf(fs.statSync(source)) !== seen) {
        // Checked whole: a broken rebuild must fail here, where the last good one is kept.
        ;[m, seen] = readStamped(source, true)
        table = buildTable(m, o)
      }
    } catch {
      // mid-swap or a broken build: keep serving the last good manifest
    }
    return table
  }, source, o) as Strictness<O>
}

/** Which file is at a path: a build renames a new manifest into place, so a new inode (and mtime). */
const stampOf = (s: fs.Stats) => `${s.ino}:${s.mtimeMs}:${s.size}`

/** Builds the lookup table from a manifest object read by other means. */
export function fromManifest<O extends RuntimeOptions>(data: unknown, options?: O & { source?: string }): Strictness<O> {
  const o = options ?? ({} as RuntimeOptions & { source?: string })
  const source = o.source ?? '(object passed to fromManifest)'
  // A copy through JSON reads every field once (a getter or Proxy that answers differently
  // later cannot change what was checked) and leaves plain data for openManifest. Whatever
  // reading throws, even a thrown value that throws when read, becomes a ManifestError.
  let copy: unknown
  try {
    copy = JSON.parse(JSON.stringify(data) ?? 'null')
  } catch {
    throw new ManifestError(source, 'cannot be read (reading it threw)')
  }
  const table = buildTable(openManifest(copy, source), o)
  return createAssets(() => table, source, o) as Strictness<O>
}

/** Reads a manifest file and opens it (records are checked on use): the one place the runtime parses one. */
export function readManifest(source: string): ValidManifest {
  return readStamped(source)[0]
}

/**
 * The manifest, and the stamp of the very file its bytes came from: stat and read go through
 * one handle, so a build renaming a new manifest into place meanwhile cannot pair the old
 * bytes with the new file's stamp (which would pin the old manifest for good).
 */
function readStamped(source: string, whole?: boolean): [ValidManifest, string] {
  let fd: number | undefined
  try {
    fd = fs.openSync(source, 'r')
    const stamp = stampOf(fs.fstatSync(fd))
    const m = openManifest(JSON.parse(fs.readFileSync(fd, 'utf8')), source)
    return [whole ? checkAll(m) : m, stamp]
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw err instanceof ManifestError ? err : new ManifestError(source, err instanceof SyntaxError ? `is not valid JSON (${e.message})`
      : e.code === 'ENOENT' ? 'does not exist (set KILN_MANIFEST, or pass the path)' : `cannot be read (${e.code ?? String(err)})`)
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

function buildTable(m: ValidManifest, o: RuntimeOptions): Table {
  const env = o.env ?? process.env
  const host = (o.host ?? env.ASSET_HOST ?? '').replace(/\/+$/, '')
  let prefix = o.publicPath ?? (env.KILN_PUBLIC_PATH || m.publicPath)
  if (!prefix.endsWith('/')) prefix += '/'
  if (host && !prefix.startsWith('/')) prefix = `/${prefix}`
  const base = (host && !/^[a-z][a-z0-9+.-]*:|^\/\//i.test(host) ? `https://${host}` : host) + prefix
  // Each is built once, on the first lookup of an entry that names it (entries are cached).
  const ref = (file: string): AssetRef => Object.freeze({ url: base + encodePath(file), integrity: checkFile(m, file).integrity })
  // checkFile checked every list; they are the runtime's own parsed arrays, so .map is safe.
  const refsTo = (files?: readonly string[]) => Object.freeze((files ?? []).map(ref))
  const entries = new Map<string, EntryInfo>()
  // The first lookup of a name builds its entry; a malformed record throws ManifestError there.
  const build = (name: string): EntryInfo | undefined => {
    const file = typeof name === 'string' ? checkAsset(m, name) : undefined
    if (file === undefined) return
    const own = ref(file)
    const { css, imports } = m.files[file]!
    const e = Object.freeze({ ...own, type: mimeType(file), css: refsTo(css), preload: refsTo(imports) })
    entries.set(name, e)
    return e
  }
  // Kept this small so it inlines into every lookup: the hot path is one Map read.
  const entry = (name: string) => entries.get(name) ?? build(name)
  let names: readonly string[] | undefined
  return { entry, names: () => (names ??= Object.freeze(Object.keys(m.assets).sort())), defaultTags: new Map(), publicPath: prefix, manifest: m }
}

function createAssets(current: () => Table, source: string, o: RuntimeOptions): Assets<undefined> {
  const strict = o.strict !== false
  const missing = (name: string): undefined => {
    if (!strict) return undefined
    throw new AssetNotFoundError(String(name), source, closest(String(name), current().names(), 3))
  }
  const assets: Assets<undefined> = {
    source,
    get publicPath() {
      return current().publicPath
    },
    has: (name) => current().entry(name) !== undefined,
    url: (name) => current().entry(name)?.url ?? missing(name),
    integrity: (name) => current().entry(name)?.integrity ?? missing(name),
    entry: (name) => current().entry(name) ?? missing(name),
    tags(name, options) {
      const t = current()
      const info = t.entry(name)
      if (!info) return missing(name)
      if (options && (options.nonce !== undefined || options.crossorigin !== undefined)) return renderTags(info, options)
      let html = t.defaultTags.get(name)
      if (html === undefined) t.defaultTags.set(name, (html = renderTags(info, {})))
      return html
    },
    names: () => current().names(),
  }
  tables.set(assets, current)
  return Object.freeze(assets)
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!)
}

/** Stylesheets, then modulepreloads for static imports, then the script (or the stylesheet itself). */
function renderTags(info: EntryInfo, o: TagOptions): string {
  const co = o.crossorigin === undefined ? 'anonymous' : o.crossorigin
  const extra = (co ? ` crossorigin="${escapeHtml(co)}"` : '') + (o.nonce !== undefined ? ` nonce="${escapeHtml(o.nonce)}"` : '')
  const attrs = (r: AssetRef) => `="${escapeHtml(r.url)}" integrity="${escapeHtml(r.integrity)}"${extra}`
  let html = ''
  for (const c of info.css) html += `<link rel="stylesheet" href${attrs(c)}>`
  if (info.type === 'text/css') return html + `<link rel="stylesheet" href${attrs(info)}>`
  if (info.type !== 'text/javascript') return html + `<link rel="preload" href${attrs(info)} as="${preloadAs(info.type)}">`
  for (const p of info.preload) html += `<link rel="modulepreload" href${attrs(p)}>`
  return html + `<script type="module" src${attrs(info)}></script>`
}

function preloadAs(type: string): string {
  return type.startsWith('font/') ? 'font' : type.startsWith('image/') ? 'image' : 'fetch'
}
