// One writer per artifact directory. Builds and `kiln clean` hold <out>/.kiln.lock while
// they work, so a clean can never delete a file a build has just decided to reuse, and two
// builds never interleave their manifests. (Lock-free would need clean to reason about
// builds in flight; a lock is simpler to get right and a build holds it for seconds.)
// A lock whose process is gone (killed, crashed) is stale and taken over, and the temp
// files that process left behind are swept.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildError, displayPath } from './diagnostics.js'
import { isTempFile } from './temp.js'
import { filesUnder } from './walk.js'

export const LOCK_NAME = '.kiln.lock'

interface Holder {
  pid: number
  host: string
  since: string
}

export interface Lock {
  /** True when a dead process's lock was taken over (its temp files have been removed). */
  recovered: boolean
  release(): void
}

/** Called when another live process holds the lock: at once, then every WAIT_NOTICE_MS while waiting. */
export type OnWait = (holder: { pid: number; host: string }) => void
const WAIT_NOTICE_MS = 10_000

export async function acquireLock(outDir: string, cwd: string, alsoSweep: string[] = [], waitMs = 120_000, onWait: OnWait = () => {}): Promise<Lock> {
  const file = path.join(outDir, LOCK_NAME)
  const me: Holder = { pid: process.pid, host: os.hostname(), since: new Date().toISOString() }
  const deadline = Date.now() + waitMs
  let recovered = false
  let noticed = 0
  try {
    fs.mkdirSync(outDir, { recursive: true })
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw buildError(`Cannot create ${displayPath(outDir, cwd)}: ${e.code}`, null, 'check the permissions of the artifact directory, or choose another --out')
  }
  for (;;) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' })
      break
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      if (e.code !== 'EEXIST') throw buildError(`Cannot lock ${displayPath(outDir, cwd)}: ${e.code}`, null, 'check the permissions of the artifact directory')
    }
    const holder = read(file)
    if (!holder || isStale(holder)) {
      // Dead holder (or an unreadable, half-written lock): take it over.
      fs.rmSync(file, { force: true })
      recovered = true
      continue
    }
    if (Date.now() > deadline) {
      throw buildError(`Another kiln process (pid ${holder.pid} on ${holder.host}, since ${holder.since}) is writing to ${displayPath(outDir, cwd)}`, null,
        `waited ${Math.round(waitMs / 1000)} s; if no other kiln is running, remove ${displayPath(file, cwd)}`)
    }
    if (holder.pid !== -1 && Date.now() - noticed >= WAIT_NOTICE_MS) {
      noticed = Date.now()
      onWait({ pid: holder.pid, host: holder.host === os.hostname() ? '' : holder.host })
    }
    await new Promise((r) => setTimeout(r, 25 + Math.random() * 50))
  }
  if (recovered) for (const dir of [outDir, ...alsoSweep]) if (fs.existsSync(dir)) sweepTemps(dir)
  return {
    recovered,
    release() {
      if (read(file)?.pid === process.pid) fs.rmSync(file, { force: true })
    },
  }
}

function read(file: string): Holder | null {
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as Holder
    return typeof h.pid === 'number' ? h : null
  } catch (err) {
    // Missing (released meanwhile) reads as free; garbage reads as stale.
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? { pid: -1, host: '', since: '' } : null
  }
}

function isStale(h: Holder): boolean {
  if (h.pid === -1) return false
  if (h.host !== os.hostname()) return false
  try {
    process.kill(h.pid, 0)
    return false
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/** Removes temp files anywhere under the directory: only a dead writer can have left them. */
export function sweepTemps(dir: string): number {
  const temps = filesUnder(dir).filter((f) => isTempFile(path.basename(f)))
  for (const t of temps) fs.rmSync(t, { force: true })
  return temps.length
}
