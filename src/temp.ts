// Temp files. Each is written in a directory of its own, <dir>/.kiln-tmp/, inside the
// artifact (or cache) directory it is then renamed into: the same filesystem, so the rename
// is atomic, and a place no source is ever written to (dot-directories of the root are
// skipped, files from outside the root go under _/). Its name is `<pid>.<12 hex>`, a shape no
// fingerprinted output (`name-HASH.ext`) can have. The sweep after a killed build removes only
// files of that shape there whose writing process is gone: never a file judged by its
// extension, so a source named `x.kiln-tmp` is an ordinary source.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { filesUnder } from './walk.js'

export const TEMP_DIR = '.kiln-tmp'
const TEMP_NAME = /^(\d+)\.[0-9a-f]{12}$/
/** What Kiln before the temp directory named a temp file, beside its destination. */
const LEGACY_TEMP = /^\..+\.(\d+)\.[0-9a-f]{8}\.kiln-tmp$/

/**
 * A fresh temp file path for writing `dest`, in `dir`'s temp directory (created if need be).
 * `dir` is the artifact or cache directory that `dest` is in. Without it (a file elsewhere)
 * the temp file is beside `dest`, named as before.
 */
export function tempPath(dest: string, dir?: string): string {
  if (dir === undefined) return path.join(path.dirname(dest), `.${path.basename(dest)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.kiln-tmp`)
  const tmp = path.join(dir, TEMP_DIR)
  fs.mkdirSync(tmp, { recursive: true })
  return path.join(tmp, `${process.pid}.${crypto.randomBytes(6).toString('hex')}`)
}

/** The pid that wrote a temp file at `rel` (relative to its directory, POSIX), or null if it is not one. */
function writerOf(rel: string): number | null {
  const parts = rel.split('/')
  const name = parts[parts.length - 1]!
  const m = parts.length === 2 && parts[0] === TEMP_DIR ? TEMP_NAME.exec(name) : LEGACY_TEMP.exec(name)
  return m ? Number(m[1]) : null
}

/** Whether `rel` (relative to an artifact or cache directory, POSIX) is a Kiln temp file. */
export function isTempFile(rel: string): boolean {
  return writerOf(rel) !== null
}

/** Whether `rel` is a temp file whose writing process (on this host) is gone: only then may it be removed. */
export function isStaleTemp(rel: string): boolean {
  const pid = writerOf(rel)
  if (pid === null) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/** Removes the temp files under `dir` that dead processes left behind; returns how many. */
export function sweepTemps(dir: string): number {
  let removed = 0
  for (const abs of filesUnder(dir)) {
    if (!isStaleTemp(path.relative(dir, abs).split(path.sep).join('/'))) continue
    fs.rmSync(abs, { force: true })
    removed++
  }
  removeTempDir(dir)
  return removed
}

/** Removes `dir`'s temp directory if it is empty (after a build, it is). */
export function removeTempDir(dir: string): void {
  try {
    fs.rmdirSync(path.join(dir, TEMP_DIR))
  } catch {
    // missing, or a live writer's files are in it
  }
}
