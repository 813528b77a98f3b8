// Files a worker job writes: temp files in the artifact directory's temp directory
// (temp.ts), remembered per job so a job that fails removes them and reports the file they
// were for. Synchronous: a worker runs one job's I/O at a time, and a sync call costs
// microseconds where a promise round trip through libuv costs a context switch.
import crypto from 'node:crypto'
import fs from 'node:fs'
import { integrityOfDigest } from '../fingerprint.js'
import { tempPath } from '../temp.js'
import type { JobError } from './job-types.js'

/** Temp file → the file it becomes, for messages. */
const destOf = new Map<string, string>()

/** A temp path for `dest` (in artifact directory `dir`), remembered in `temps` so a failing job can remove it. */
export function newTemp(dest: string, dir: string, temps: string[]): string {
  const t = tempPath(dest, dir)
  temps.push(t)
  destOf.set(t, dest)
  return t
}

/** Forgets a job's temp files (they are staged, or removed). */
export function forgetTemps(temps: string[]): void {
  for (const t of temps) destOf.delete(t)
}

/**
 * A failed job's error, after removing its temp files (a full disk leaves no half-written
 * file behind), naming the file it was working on: a temp file's name says nothing.
 */
export function failedJob(err: unknown, temps: string[], source?: string): NodeJS.ErrnoException {
  for (const t of temps) fs.rmSync(t, { force: true })
  const e = err as NodeJS.ErrnoException
  if (!e.path && temps.length) e.path = temps[temps.length - 1]
  if (!e.path && source) e.path = source
  if (e.path && destOf.has(e.path)) e.path = destOf.get(e.path)
  forgetTemps(temps)
  return e
}

export function jobError(e: NodeJS.ErrnoException): JobError {
  return { message: e.message, code: e.code, path: e.path }
}

const made = new Set<string>()
/** mkdir -p, once per directory per worker: most files share a handful of directories. */
export function mkdirOnce(dir: string): void {
  if (made.has(dir)) return
  fs.mkdirSync(dir, { recursive: true })
  made.add(dir)
}

/** Writes `bytes` to a new temp file for `dest` and fsyncs it: the commit then only renames it. */
export function writeTempSync(dest: string, outDir: string, bytes: Uint8Array, temps: string[]): string {
  const temp = newTemp(dest, outDir, temps)
  const fd = fs.openSync(temp, 'wx')
  try {
    for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  return temp
}

const CHUNK = 1024 * 1024

/**
 * Copies `source` to a new temp file for `dest` a chunk at a time, hashing what is copied
 * (a 1 GB file costs no more memory than a small one); fsyncs the copy. The size is of the
 * bytes hashed, not of a stat taken before: they differ if the file changed meanwhile.
 */
export function copyHashingSync(source: string, dest: string, outDir: string, temps: string[]): { temp: string; integrity: string; size: number } {
  const sha384 = crypto.createHash('sha384')
  const buffer = Buffer.allocUnsafe(CHUNK)
  let size = 0
  const from = fs.openSync(source, 'r')
  try {
    const temp = newTemp(dest, outDir, temps)
    const to = fs.openSync(temp, 'wx')
    try {
      for (let n; (n = fs.readSync(from, buffer, 0, CHUNK, null)) > 0; size += n) {
        const chunk = buffer.subarray(0, n)
        sha384.update(chunk)
        for (let at = 0; at < n; ) at += fs.writeSync(to, chunk, at, n - at)
      }
      fs.fsyncSync(to)
    } finally {
      fs.closeSync(to)
    }
    return { temp, integrity: integrityOfDigest(sha384.digest()), size }
  } finally {
    fs.closeSync(from)
  }
}

/** The SRI value and size of a file, read a chunk at a time. */
export function digestFileSync(file: string): { integrity: string; size: number } {
  const sha384 = crypto.createHash('sha384')
  const buffer = Buffer.allocUnsafe(CHUNK)
  let size = 0
  const fd = fs.openSync(file, 'r')
  try {
    for (let n; (n = fs.readSync(fd, buffer, 0, CHUNK, null)) > 0; size += n) sha384.update(buffer.subarray(0, n))
  } finally {
    fs.closeSync(fd)
  }
  return { integrity: integrityOfDigest(sha384.digest()), size }
}
