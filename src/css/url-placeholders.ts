// url()s in CSS imported from JS. esbuild decides where each stylesheet of the bundle is
// written (one per entry or lazy chunk, '[dir]/[name]-[hash]'), so while it bundles, every
// local url() is a placeholder naming the fingerprinted file; once the bundle is written,
// each placeholder becomes that file's path relative to the stylesheet it is in, like the
// url()s of CSS entries, so one artifact works under any host and prefix. The placeholder
// hashes the target's fingerprinted name, so esbuild's content hash still changes exactly
// when the written bytes do (the replacement is a function of the placeholder and the
// stylesheet's own path), and the source map's columns are shifted by what each
// replacement added or removed.
import path from 'node:path'
import { decode, encode, type SourceMapSegment } from '@jridgewell/sourcemap-codec'
import { encodePath } from '../runtime/url-path.js'
import { sha256Hex } from '../fingerprint.js'

const PREFIX = '/__kiln_url__/'
const PLACEHOLDER = /\/__kiln_url__\/([0-9a-f]{16})/g
/** esbuild sees placeholders as url() paths: this marks them external. */
export const PLACEHOLDER_PATH = /^\/__kiln_url__\//

interface Target {
  /** Output path relative to the artifact directory, or null for a URL kept as written. */
  file: string | null
  /** ?query#fragment kept on the URL, or the whole URL when `file` is null. */
  rest: string
}

export class UrlPlaceholders {
  private readonly targets = new Map<string, Target>()

  for(file: string | null, rest: string): string {
    const id = sha256Hex(JSON.stringify([file, rest])).slice(0, 16)
    this.targets.set(id, { file, rest })
    return PREFIX + id
  }

  /** `cssFile`: the stylesheet's path relative to the artifact directory. Returns the text and map with every placeholder replaced. */
  resolve(cssFile: string, css: string, map: string | null): { css: string; map: string | null } {
    const dir = path.posix.dirname(cssFile)
    const edits: { line: number; column: number; delta: number }[] = []
    let line = 0
    let lineStart = 0
    let scanned = 0
    const out = css.replace(PLACEHOLDER, (whole, id: string, offset: number) => {
      const t = this.targets.get(id)
      if (!t) return whole
      for (let i = css.indexOf('\n', scanned); i !== -1 && i < offset; i = css.indexOf('\n', i + 1)) {
        line++
        lineStart = i + 1
      }
      scanned = offset
      const text = safe(t.file === null ? t.rest : encodePath(path.posix.relative(dir === '.' ? '' : dir, t.file)) + t.rest)
      // In the original line's columns: a segment moves by every edit that ends at or before it.
      edits.push({ line, column: offset - lineStart + whole.length, delta: text.length - whole.length })
      return text
    })
    return { css: out, map: map && edits.length ? shiftMap(map, edits) : map }
  }
}

/** Characters that would end or break an unquoted url(), percent-encoded (they are URLs). */
function safe(url: string): string {
  return url.replace(/[\s()'"\\]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'))
}

/** Moves every generated column at or after the end of an edit by the edit's length change. */
function shiftMap(json: string, edits: { line: number; column: number; delta: number }[]): string {
  const map = JSON.parse(json) as { mappings: string }
  const lines = decode(map.mappings)
  for (let i = 0; i < lines.length; i++) {
    const mine = edits.filter((e) => e.line === i)
    if (!mine.length) continue
    lines[i] = lines[i]!.map((seg) => {
      const delta = mine.reduce((n, e) => (seg[0] >= e.column ? n + e.delta : n), 0)
      return [seg[0] + delta, ...seg.slice(1)] as SourceMapSegment
    })
  }
  map.mappings = encode(lines)
  return JSON.stringify(map)
}
