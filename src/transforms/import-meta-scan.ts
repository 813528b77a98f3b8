// Which of the app's own scripts mention import.meta, read once before esbuild starts, so
// that esbuild calls into JS (the import-meta transform's onLoad) only for those and for the
// files the walk of the root did not list: packages, files outside the root, dot and skipped
// directories. Each such call waits for the main thread, which a cold build keeps busy with
// stylesheets for a hundred milliseconds at a stretch: esbuild, walking an 800-module app,
// stalled at every level of its imports (issue 15: −100 ms on the bench's cold build).
import fs from 'node:fs'
import path from 'node:path'
import { mentionsImportMeta } from './parse.js'
import { sha256Hex } from '../fingerprint.js'

export interface ImportMetaScan {
  /** esbuild's onLoad filter (Go regexp syntax): the files whose import.meta uses Kiln must see. */
  filter: RegExp
  /** Every script the scan read, with or without import.meta. */
  scanned: ReadonlySet<string>
  /** Whether a file esbuild loaded was one the filter passed over without having read it (created after the walk). */
  missed(abs: string): boolean
}

const SCRIPT = /\.[cm]?[jt]sx?$/i
/** A script's extension, in either case, spelt without flags (esbuild hands the source to Go's regexp). */
const EXT = '\\.[cCmM]?[jJtT][sS][xX]?$'

/**
 * `scripts`: the app's scripts the walk listed (absolute); `root`: where the walk started;
 * `skipped`: directories under it that the walk did not enter (the artifact directory, the cache);
 * `hashes`: where the sha256 of each file read is recorded (the unit's inputs need them, and
 * this is the one read of most of them).
 * The filter's syntax means the same to JavaScript and to Go: escaped punctuation and
 * character classes, no flags.
 */
export function scanImportMeta(scripts: string[], root: string, skipped: string[], hashes?: Map<string, string>): ImportMetaScan {
  const hits = scripts.filter((file) => mentions(file, hashes))
  const scanned = new Set(scripts)
  // Never read by the walk, so never passed over: in node_modules or a dot directory, in a skipped directory, or outside the root.
  const unlisted = [String.raw`^.*[\\/]node_modules[\\/]`, String.raw`^.*[\\/]\.`, ...skipped.map((d) => `^${literal(withSep(d))}`), `^${notStartingWith(withSep(root))}`]
  const parts = [...(hits.length ? [`^(?:${hits.map(literal).join('|')})$`] : []), ...unlisted.map((u) => `${u}.*${EXT}`)]
  const unlistedTest = new RegExp(unlisted.join('|'))
  return { filter: new RegExp(parts.join('|')), scanned, missed: (abs) => SCRIPT.test(abs) && !scanned.has(abs) && !unlistedTest.test(abs) }
}

function mentions(file: string, hashes?: Map<string, string>): boolean {
  let bytes: Buffer
  try {
    bytes = fs.readFileSync(file)
  } catch {
    return true // unreadable now: the transform's own read reports it
  }
  hashes?.set(file, sha256Hex(bytes))
  return bytes.indexOf('meta') >= 0 && mentionsImportMeta(bytes.toString('utf8'))
}

function withSep(dir: string): string {
  return dir.endsWith(path.sep) ? dir : dir + path.sep
}

/** `s` matched as it is. */
function literal(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')
}

/** A regexp matching the start of every string that does not start with `prefix`: it differs at some character. */
function notStartingWith(prefix: string): string {
  const chars = [...prefix]
  const inClass = (c: string) => c.replace(/[\\\]^-]/g, '\\$&')
  return `(?:${chars.map((c, i) => `${literal(chars.slice(0, i).join(''))}[^${inClass(c)}]`).join('|')})`
}
