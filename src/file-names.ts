// Names of sources Kiln cannot put into a URL. A source's path becomes its logical name, its
// output's name and a URL: bytes that are not UTF-8 have no URL at all (and a directory
// lister that decodes them loses the whole directory), a backslash is a separator on Windows
// and never valid in a manifest, no glob matches a control character (and it breaks every
// line-based format the name goes through), and esbuild writes the names of script chunks into import() paths unescaped,
// where '#', '?' and '%' change the URL. Each such file is an error that names it.
import fs from 'node:fs'
import path from 'node:path'
import type { Dirent, Stats } from 'node:fs'
import type { FileSystemAdapter } from 'fast-glob'
import type { DirReader } from './walk.js'
import { displayPath, message, type Message } from './diagnostics.js'

/** Control characters and the two line separators that regular expressions' `.` (and so every glob) never matches. */
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/

/** A source's own name, in bytes: its outputs add '-XXXXXXXX', '.js', '.map' and '.br' to it within the usual 255. */
const MAX_NAME_BYTES = 200

/** What a name cannot be, or null when it is fine. `script`: the file is compiled by esbuild. */
export function unrepresentable(logical: string, script: boolean): string | null {
  if (logical.includes('\\')) return 'contains a backslash, which is a path separator on Windows and never part of a manifest name'
  const control = CONTROL.exec(logical)
  if (control) return `contains a control character (${visible(control[0])}): glob patterns never match it, and it breaks line-based messages and logs`
  // A UTF-16 unit is at most 3 bytes of UTF-8: a path this short cannot be too long (most are; this runs per file).
  const bytes = logical.length * 3 > MAX_NAME_BYTES ? Buffer.byteLength(path.posix.basename(logical)) : 0
  if (bytes > MAX_NAME_BYTES) return `is ${bytes} bytes long: with its fingerprint and a .map or .br after it, its output's name would pass the 255 bytes a file name may have (at most ${MAX_NAME_BYTES} here)`
  if (script && !/\.d\.[mc]?ts$/.test(logical)) {
    const c = /[#?%]/.exec(logical)
    if (c) return `contains '${c[0]}': esbuild writes the names of script chunks into import() paths as they are, where '${c[0]}' changes the URL`
  }
  return null
}

/** A name with its control characters and line separators spelt out (\n, \u2028), so it prints on one line. */
export function visible(name: string): string {
  const short: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }
  return name.replace(new RegExp(CONTROL.source, 'g'), (c) => short[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** A name's bytes as text: valid UTF-8 as it is, every other byte as \xHH (so a message can name the file). */
export function escapeBytes(bytes: Buffer): string {
  let out = ''
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0
    const seq = n ? bytes.subarray(i, i + n) : null
    if (seq && seq.length === n && Buffer.from(seq.toString('utf8'), 'utf8').equals(seq)) {
      out += seq.toString('utf8')
      i += n
    } else {
      out += `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`
      i++
    }
  }
  return out
}

/**
 * A file system for fast-glob that lists names which are not UTF-8 instead of losing them:
 * Node decodes such a name with U+FFFD, a stat of that string fails, and fast-glob drops the
 * whole directory without a word. Here the decoded name stands for the real bytes, so the walk
 * goes on (ignore patterns apply as usual) and `notUtf8()` tells which listed paths were such.
 */
export class TolerantListing implements DirReader {
  /** A decoded path that is not the name on disk (or is below one) → the real bytes. */
  private readonly real = new Map<string, Buffer>()
  /** Paths with a control character or line separator: glob patterns never match them, so fast-glob skips them without a word. */
  readonly unmatchable = new Map<string, { isDir: boolean }>()

  private bytes(p: string): string | Buffer {
    return this.real.get(p) ?? p
  }

  private list(dir: string, withFileTypes: boolean): (string | Dirent)[] {
    const at = this.bytes(dir)
    const names = fs.readdirSync(at, { encoding: 'buffer', withFileTypes: true }) as unknown as Dirent<Buffer>[]
    return names.map((d) => {
      const name = d.name.toString('utf8')
      // Below a name that is not UTF-8, every path stands for bytes too.
      if (typeof at !== 'string' || (name.includes('\ufffd') && !Buffer.from(name, 'utf8').equals(d.name))) this.real.set(path.join(dir, name), Buffer.concat([Buffer.from(at), Buffer.from(path.sep), d.name]))
      if (CONTROL.test(name) && !name.startsWith('.')) this.unmatchable.set(path.join(dir, name), { isDir: d.isDirectory() })
      return withFileTypes ? direntAs(d, name) : name
    })
  }

  /**
   * A directory's entries for walk.ts's listFiles. Names are read as strings first (Buffer
   * names cost a Buffer each, and their garbage): only a directory where one decodes with
   * U+FFFD or has a control character is read again by list(), which records it.
   */
  readdir(dir: string): Dirent[] {
    const at = this.bytes(dir)
    if (typeof at === 'string') {
      const entries = fs.readdirSync(at, { withFileTypes: true })
      if (!entries.some((d) => d.name.includes('\ufffd') || CONTROL.test(d.name))) return entries
    }
    return this.list(dir, true) as Dirent[]
  }

  stat(p: string): Stats {
    return fs.statSync(this.bytes(p))
  }

  /** The fs methods fast-glob's synchronous walk calls: readdirSync (with or without file types), lstatSync, statSync. */
  readonly adapter = {
    readdirSync: (dir: string, options?: { withFileTypes?: boolean }) => this.list(dir, options?.withFileTypes === true),
    lstatSync: (p: string): Stats => fs.lstatSync(this.bytes(p)),
    statSync: (p: string): Stats => fs.statSync(this.bytes(p)),
  } as unknown as Partial<FileSystemAdapter>

  /**
   * For a listed path: the outermost part of it whose name is not UTF-8 (the file, or the
   * directory it is in) as the real bytes, or null when every part is UTF-8.
   */
  /** Whether any name listed so far is not UTF-8 (when none is, notUtf8 is null for every path). */
  get anyNotUtf8(): boolean {
    return this.real.size > 0
  }

  notUtf8(abs: string): { path: string; bytes: Buffer; isDir: boolean } | null {
    if (this.real.size === 0) return null
    const parts: string[] = []
    for (let p = abs; p !== path.dirname(p); p = path.dirname(p)) parts.unshift(p)
    for (const p of parts) {
      const bytes = this.real.get(p)
      if (bytes) return { path: p, bytes, isDir: p !== abs }
    }
    return null
  }
}

/** A Dirent read with Buffer names, seen with its decoded name. */
function direntAs(d: Dirent<Buffer>, name: string): Dirent {
  return {
    name,
    isFile: () => d.isFile(),
    isDirectory: () => d.isDirectory(),
    isSymbolicLink: () => d.isSymbolicLink(),
    isBlockDevice: () => d.isBlockDevice(),
    isCharacterDevice: () => d.isCharacterDevice(),
    isFIFO: () => d.isFIFO(),
    isSocket: () => d.isSocket(),
  } as Dirent
}

/**
 * Discovery never loses a file silently: a listed file whose name Kiln cannot put into a URL
 * is an error naming it, once per file or per directory whose name is not UTF-8.
 */
export function representable<T extends { path: string }>(listed: T[], root: string, names: TolerantListing, cwd: string, errors: Message[], isScript: (file: string) => boolean): T[] {
  const reported = new Set<string>()
  const hint = `rename it, or move it out of ${displayPath(root, cwd) || '.'}: every file under the root is built and gets a URL`
  const shownName = (abs: string) => visible(displayPath(abs, cwd))
  /** False when the path is (or is below) a name that is not UTF-8, reported once. */
  const utf8 = (abs: string) => {
    const bad = names.notUtf8(abs)
    if (!bad) return true
    if (reported.has(bad.path)) return false
    reported.add(bad.path)
    const shown = displayPath(escapeBytes(bad.bytes), cwd)
    errors.push(message(`The name of ${bad.isDir ? 'the directory ' : ''}${shown} is not valid UTF-8, so it cannot be part of a URL${bad.isDir ? ' (nothing in it is built)' : ''}`,
      { file: shown, line: 1, column: 0 }, `${hint} (convmv -f latin1 -t utf8 renames such names)`))
    return false
  }
  // Names no glob pattern matches, which fast-glob skipped: each is an error too (a directory's files are in it).
  const listedPaths = new Set(names.unmatchable.size ? listed.map((e) => path.join(root, e.path)) : [])
  for (const [abs, { isDir }] of names.unmatchable) {
    const rel = path.relative(root, abs)
    // fast-glob walks into dot directories but lists nothing there (dot: false); neither does Kiln.
    if (listedPaths.has(abs) || rel.split(path.sep).some((s) => s.startsWith('.')) || !utf8(abs)) continue
    errors.push(message(`The name of ${isDir ? 'the directory ' : ''}${shownName(abs)} ${unrepresentable(rel, false)!}${isDir ? ' (nothing in it is built)' : ''}`,
      { file: shownName(abs), line: 1, column: 0 }, hint))
  }
  // Per file: the absolute path is joined only when a name needs it (a join per file was a tenth of a no-op's discover).
  return listed.filter((e) => {
    if (names.anyNotUtf8 && !utf8(path.join(root, e.path))) return false
    const problem = unrepresentable(e.path, isScript(e.path))
    if (problem) {
      const abs = path.join(root, e.path)
      errors.push(message(`The name of ${shownName(abs)} ${problem}`, { file: shownName(abs), line: 1, column: 0 }, hint))
    }
    return !problem
  })
}
