// Small JSON files kept in the cache directory beside the build cache's state (gzip sizes,
// the entry scan's answer). Each only ever saves time: one that cannot be read or parsed is
// no file, and one that cannot be written is left unwritten (the next build does the work
// again). Written through a temp file and a rename, so a reader never sees half of one.
import fs from 'node:fs'
import path from 'node:path'
import { tempPath } from './temp.js'

/** The parsed contents of `name` in `dir`, or null (no directory, no file, not JSON). */
export function readKept(dir: string | null, name: string): unknown {
  if (!dir) return null
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as unknown
  } catch {
    return null
  }
}

/** Writes `value` as `name` in `dir` (atomically); a failure is ignored. */
export function writeKept(dir: string | null, name: string, value: unknown): void {
  if (!dir) return
  try {
    fs.mkdirSync(dir, { recursive: true })
    const file = path.join(dir, name)
    const temp = tempPath(file, dir)
    fs.writeFileSync(temp, JSON.stringify(value))
    fs.renameSync(temp, file)
  } catch {
    // Not kept: the next build does the work again.
  }
}
