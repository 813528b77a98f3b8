// What a CSS reference (an @import target or a url()) points at: its kind, and the file
// it names once resolved against the stylesheet that contains it.
import fs from 'node:fs'
import path from 'node:path'
import { suggestPath, type SuggestMode } from '../suggest.js'

export interface Reference {
  /** The path part, percent-decoded. */
  pathname: string
  /** `?query#fragment` exactly as written, kept on the rewritten URL. */
  suffix: string
}

/** Null for URLs Kiln leaves alone: data:, any scheme, //host, #fragment-only, empty. */
export function localReference(url: string): Reference | null {
  const u = url.trim()
  if (u === '' || u.startsWith('#') || u.startsWith('//') || /^[a-z][a-z0-9+.-]*:/i.test(u)) return null
  const cut = u.search(/[?#]/)
  const raw = cut < 0 ? u : u.slice(0, cut)
  // Each segment is percent-decoded whole (decodeURI would leave %23 and %3F encoded, and a
  // file named "a#b.png" must be written url("a%23b.png")); a stray % stays a literal.
  const pathname = raw.split('/').map((seg) => {
    try {
      return decodeURIComponent(seg)
    } catch {
      return seg
    }
  }).join('/')
  return { pathname, suffix: cut < 0 ? '' : u.slice(cut) }
}

/**
 * Resolves a reference from the file `from`. `/x` is relative to the source root, with the
 * public path stripped when it is spelled out (`/assets/x.png`); bare names in @import may
 * also come from node_modules.
 */
export function resolveReference(ref: Reference, from: string, root: string, publicPath: string, packages: boolean): string[] {
  const p = ref.pathname
  if (p.startsWith('/')) {
    const rel = publicPath !== '/' && p.startsWith(publicPath) ? p.slice(publicPath.length) : p.slice(1)
    return [path.join(root, rel)]
  }
  const candidates = [path.resolve(path.dirname(from), p)]
  if (packages && !p.startsWith('.')) {
    for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
      candidates.push(path.join(dir, 'node_modules', p))
      if (path.dirname(dir) === dir) break
    }
  }
  return candidates
}

/**
 * A hint for a reference that resolved to nothing: the nearest existing file, written the
 * way the reference was (`/assets/…` keeps its prefix), as `did you mean "…"?`.
 */
export function didYouMean(pathname: string, from: string, root: string, publicPath: string, mode: SuggestMode): string | undefined {
  let prefix = ''
  let rest = pathname
  let base = path.dirname(from)
  if (pathname.startsWith('/')) {
    prefix = publicPath !== '/' && pathname.startsWith(publicPath) ? publicPath : '/'
    rest = pathname.slice(prefix.length)
    base = root
  }
  const near = suggestPath(rest, base, mode, root)
  return near === null ? undefined : `did you mean "${prefix}${near}"?`
}

/** For a package directory, its package.json `style` (or `main` when it is CSS) file. */
export function packageStyle(dir: string): string | null {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { style?: string; main?: string }
    const entry = pkg.style ?? (pkg.main?.endsWith('.css') ? pkg.main : undefined)
    return entry ? path.join(dir, entry) : null
  } catch {
    return null
  }
}
