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
  if (!madeTempDirs.has(tmp)) {
    fs.mkdirSync(tmp, { recursive: true })
    madeTempDirs.add(tmp)
  }
  return path.join(tmp, `${process.pid}.${nextTempName()}`)
}

/**
 * Temp directories this thread has made: thousands of static files are staged per build, and
 * a mkdir for each was a syscall (two: mkdir, then a stat of what exists) per file. A build's
 * workers are its own; removeTempDir() forgets the directory it removes on this thread.
 */
const madeTempDirs = new Set<string>()

/**
 * The 12 hex digits after the pid: a random 8 per thread (drawn again every 65,536 names) and a
 * counter, unique among this process's threads without a call to the system's CSPRNG per file.
 */
let namePrefix = ''
let nameCount = 0x10000

function nextTempName(): string {
  if (nameCount === 0x10000) {
    namePrefix = crypto.randomBytes(4).toString('hex')
    nameCount = 0
  }
  return namePrefix + (nameCount++).toString(16).padStart(4, '0')
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
  madeTempDirs.delete(path.join(dir, TEMP_DIR))
  try {
    fs.rmdirSync(path.join(dir, TEMP_DIR))
  } catch {
    // missing, or a live writer's files are in it
  }
}
