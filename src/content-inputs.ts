// A compile unit's inputs as content: every file it read, directory it listed and
// resolution probe that found nothing, each by its path relative to the project root and
// the sha256 of its bytes (a directory: of its sorted listing; a probe: "absent"). That
// is what a unit's content key is made of (the local cache's and the remote cache's
// alike), never a path on this machine, an mtime or an inode. The local cache keeps each
// input's stat beside its hash as a fast path: an unchanged stat trusts the hash, a
// changed one (touch, a fresh checkout) hashes again, so only a real edit recompiles.
import fs from 'node:fs'
import path from 'node:path'
import { statIfAny } from './walk.js'
import { integrity, keyOf, sha256Hex } from './fingerprint.js'
import { kindOf } from './discover.js'

/** The hash of a path that holds nothing (a probe that found no file, an input since deleted). */
export const ABSENT = 'absent'

/** [path relative to the project root (POSIX), size, mtimeMs, ino, sha256 hex, a static file's SRI value, or ABSENT]; an absent path has size -1. */
export type InputRecord = [string, number, number, number, string]

export function relativeInput(abs: string, cwd: string): string {
  return path.relative(cwd, abs).split(path.sep).join('/')
}

export function absoluteInput(rel: string, cwd: string): string {
  // A path below the project root as relativeInput wrote it needs a join, not path.resolve's
  // normalizing (a no-op rebuild turns thousands of inputs back into paths).
  if (path.sep === '/' && rel && !rel.startsWith('.') && !rel.includes('/.') && !rel.includes('//')) return cwd.endsWith('/') ? cwd + rel : `${cwd}/${rel}`
  return path.resolve(cwd, rel)
}

/**
 * One input's record now. `known` holds earlier records by relative path, `fresh` this
 * build's own by absolute path (a file hashed as the compiler read it, with the walk's stat
 * from before that read): one whose stat is unchanged gives its hash without a read. The stat is taken before the read, so an edit
 * made meanwhile shows as a changed stat next time instead of hiding behind this hash.
 */
export function recordInput(abs: string, cwd: string, known?: ReadonlyMap<string, InputRecord>, fresh?: ReadonlyMap<string, InputRecord>): InputRecord {
  const rel = relativeInput(abs, cwd)
  const s = statIfAny(abs)
  if (!s || !(s.isFile() || s.isDirectory())) return [rel, -1, 0, 0, ABSENT]
  const prev = fresh?.get(abs) ?? known?.get(rel)
  if (prev && sameStat(prev, s)) return [rel, s.size, s.mtimeMs, s.ino, prev[4]]
  return [rel, s.size, s.mtimeMs, s.ino, hashOf(abs, s.isDirectory())]
}

/** A file's stat as the build's walk of the root took it (discover.ts): size, mtime, inode. */
export interface ListedStat {
  size: number
  mtimeMs: number
  ino: number
}

/**
 * Stats of inputs for one build's cache checks: the files its walk of the root already
 * stat'ed (discover.ts), and every other path once, however many units read it (a second
 * stat of each input cost a no-op rebuild about a tenth of its time). null: nothing there.
 */
export class InputStats {
  private readonly seen = new Map<string, fs.Stats | null>()

  /** `listed`: the walk's files by absolute path (compile.ts's map, used as it is). */
  constructor(private readonly listed: ReadonlyMap<string, ListedStat> = new Map()) {}

  of(abs: string): ListedStat | fs.Stats | null {
    const known = this.listed.get(abs)
    if (known) return known
    let s = this.seen.get(abs)
    if (s === undefined) this.seen.set(abs, (s = statOf(abs) ?? null))
    return s
  }
}

/**
 * The records again if every input still holds, with today's stats (so the next check is
 * a stat again); null when one changed. `verify` (--verify-cache) hashes even unchanged stats.
 */
export function checkInputs(records: readonly InputRecord[], cwd: string, verify: boolean, stats = new InputStats()): InputRecord[] | null {
  const out: InputRecord[] = []
  for (const rec of records) {
    if (!Array.isArray(rec) || rec.length !== 5 || typeof rec[0] !== 'string' || typeof rec[4] !== 'string') return null
    const abs = absoluteInput(rec[0], cwd)
    const s = stats.of(abs)
    if (rec[4] === ABSENT) {
      if (s) return null
      out.push(rec)
      continue
    }
    if (!s) return null
    if (verify || !sameStat(rec, s)) {
      if (hashOf(abs, s instanceof fs.Stats && s.isDirectory()) !== rec[4]) return null
    }
    out.push([rec[0], s.size, s.mtimeMs, s.ino, rec[4]])
  }
  return out
}

/** A file or directory's stat; undefined for anything else (missing, a socket). */
function statOf(abs: string): fs.Stats | undefined {
  const s = statIfAny(abs)
  return s && (s.isFile() || s.isDirectory()) ? s : undefined
}

/** A unit's content key: its key (options, tools, listing) and each input's path and hash, sorted by path. */
export function contentKey(unitKey: string, records: readonly InputRecord[]): string {
  const pairs = records.map((r) => [r[0], r[4]]).sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0))
  return keyOf([unitKey, pairs])
}

function sameStat(rec: InputRecord, s: ListedStat): boolean {
  return rec[1] === s.size && rec[2] === s.mtimeMs && rec[3] === s.ino
}

/**
 * A file's sha256; a directory's is of its sorted entries (name and kind): adding or removing
 * a file changes it. A static file (by its name: neither a script nor a stylesheet) is hashed
 * as its SRI value instead, which the workers computed as they copied it: a build records the
 * images its stylesheets name without reading them again, and every runner of a remote cache
 * hashes each input the same way.
 */
function hashOf(abs: string, isDir: boolean): string {
  try {
    if (isDir) return keyOf(fs.readdirSync(abs, { withFileTypes: true }).map((e) => `${e.isDirectory() ? 'd' : 'f'}:${e.name}`).sort())
    return kindOf(abs) === 'static' ? integrity(fs.readFileSync(abs)) : sha256Hex(fs.readFileSync(abs))
  } catch {
    return ABSENT // gone or unreadable since the stat: it holds nothing a build could read
  }
}
