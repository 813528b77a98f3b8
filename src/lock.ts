// One writer per artifact directory. Builds and `kiln clean` hold <out>/.kiln.lock while
// they work, so a clean can never delete a file a build has just decided to reuse, and two
// builds never interleave their manifests. (Lock-free would need clean to reason about
// builds in flight; a lock is simpler to get right and a build holds it for seconds.)
//
// Every step that changes the lock is atomic, so racing processes never both hold it:
// - taking a free lock: the holder's record is written to a file of its own, then hard-linked
//   to .kiln.lock, which fails if one is there (where links are unsupported, an O_EXCL create);
//   so the lock file is never seen half-written;
// - taking over a stale lock (its process is gone, or it is unreadable and old): only the
//   process that creates the claim file named after the exact content it judged stale may
//   replace it, and it does so only if the lock still has that content, with a rename. A claim
//   whose own process died is stale in turn and taken over the same way.
// The process that took over sweeps the temp files the dead one left behind (temp.ts), and
// fsyncs every directory of the artifact directory: the dead process may have renamed files
// into place without living to fsync their directories, and this build may reuse them.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildError, displayPath } from './diagnostics.js'
import { removeTempDir, sweepTemps } from './temp.js'
import { sha256Hex } from './fingerprint.js'

export const LOCK_NAME = '.kiln.lock'

/** Scratch files of the lock protocol (`.kiln.lock.*`): never artifacts, skipped by clean. */
export function isLockFile(name: string): boolean {
  return name === LOCK_NAME || name.startsWith(`${LOCK_NAME}.`)
}

interface Holder {
  pid: number
  host: string
  since: string
  /** Unique per acquisition: no two lock states ever have the same content. */
  nonce?: string
}

export interface Lock {
  /** True when a dead process's lock was taken over (its temp files have been removed). */
  recovered: boolean
  release(): void
}

/** Called when another live process holds the lock: at once, then every WAIT_NOTICE_MS while waiting. */
export type OnWait = (holder: { pid: number; host: string }) => void
const WAIT_NOTICE_MS = 10_000
/** An unreadable lock (not a holder record) younger than this may be a writer's O_EXCL create mid-write. */
const GARBAGE_GRACE_MS = 10_000

export async function acquireLock(outDir: string, cwd: string, alsoSweep: string[] = [], waitMs = 120_000, onWait: OnWait = () => {}): Promise<Lock> {
  const file = path.join(outDir, LOCK_NAME)
  const me = holder()
  const mine = JSON.stringify(me)
  const deadline = Date.now() + waitMs
  let recovered = false
  let noticed = 0
  let last: Holder | null = null
  try {
    fs.mkdirSync(outDir, { recursive: true })
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw buildError(`Cannot create ${displayPath(outDir, cwd)}: ${e.code}`, null, 'check the permissions of the artifact directory, or choose another --out')
  }
  for (;;) {
    let state: State
    try {
      state = take(file, mine)
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      throw buildError(`Cannot lock ${displayPath(outDir, cwd)}: ${e.code}`, null, 'check the permissions of the artifact directory')
    }
    if (state === 'taken') break
    if (state === 'took-over') {
      recovered = true
      break
    }
    if (state !== 'retry') last = state
    if (Date.now() > deadline) {
      const who = last ? `Another kiln process (pid ${last.pid} on ${last.host}, since ${last.since})` : 'Another kiln process'
      throw buildError(`${who} is writing to ${displayPath(outDir, cwd)}`, null,
        `waited ${Math.round(waitMs / 1000)} s; if no other kiln is running, remove ${displayPath(file, cwd)}`)
    }
    if (state !== 'retry' && Date.now() - noticed >= WAIT_NOTICE_MS) {
      noticed = Date.now()
      onWait({ pid: state.pid, host: state.host === os.hostname() ? '' : state.host })
    }
    await new Promise((r) => setTimeout(r, 25 + Math.random() * 50))
  }
  if (recovered) {
    try {
      sweepLockScratch(outDir)
      for (const dir of [outDir, ...alsoSweep]) if (fs.existsSync(dir)) sweepTemps(dir)
      syncDirectories(outDir)
    } catch (err) {
      const e = err as NodeJS.ErrnoException
      if (readRaw(file) === mine) fs.rmSync(file, { force: true })
      throw buildError(`Cannot recover ${displayPath(outDir, cwd)} after a killed kiln process: ${e.code ?? e.message}${e.path ? ` (${displayPath(e.path, cwd)})` : ''}`, null, 'check the permissions of the artifact directory')
    }
  }
  return {
    recovered,
    release() {
      // Only a dead holder's lock is ever replaced, and we are alive: if it reads as ours, it is.
      try {
        // The temp directories are empty after a finished build: leave none behind.
        for (const dir of [outDir, ...alsoSweep]) removeTempDir(dir)
        if (readRaw(file) === mine) fs.rmSync(file, { force: true })
      } catch {
        // unreadable now: left for the next process to judge
      }
    },
  }
}

/** Taken (free, now ours), took over a stale one, a live holder, or changed under us: look again. */
type State = 'taken' | 'took-over' | 'retry' | Holder

function take(file: string, mine: string): State {
  if (create(file, mine)) return 'taken'
  const seen = readRaw(file)
  if (seen === null) return 'retry' // released meanwhile
  const h = parse(seen)
  if (h && !isStale(h)) return h
  if (!h && !oldEnough(file)) return 'retry'
  return replaceStale(file, seen, mine) ? 'took-over' : 'retry'
}

/**
 * Replaces `file`, last read as `seen` (a dead holder's record, or old garbage), with `next`.
 * True only for the one process that did it: the claim file is named after `seen`, so of all
 * the processes that judged this very state stale exactly one creates it, and while it holds
 * the claim nothing else can change `file` (a dead holder never releases, create fails on an
 * existing file, and no state ever comes back, since each has its own nonce).
 */
function replaceStale(file: string, seen: string, next: string): boolean {
  const claim = `${file}.claim-${sha256Hex(seen).slice(0, 16)}`
  const mine = JSON.stringify(holder())
  if (!create(claim, mine)) {
    // Another process is taking over: wait for it; if it died mid-way, its claim is stale.
    const other = readRaw(claim)
    if (other === null) return false
    const h = parse(other)
    if (h ? !isStale(h) : !oldEnough(claim)) return false
    if (!replaceStale(claim, other, mine)) return false
  }
  try {
    if (readRaw(file) !== seen) return false
    const temp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}`
    try {
      fs.writeFileSync(temp, next, { flag: 'wx' })
      fs.renameSync(temp, file)
    } finally {
      fs.rmSync(temp, { force: true })
    }
    return true
  } finally {
    // Safe to drop: anyone claiming `seen` later finds `file` no longer holds it.
    if (readRaw(claim) === mine) fs.rmSync(claim, { force: true })
  }
}

/** Creates `file` with `content` if it does not exist, never visible half-written. False if it exists. */
function create(file: string, content: string): boolean {
  const temp = `${file}.${process.pid}.${crypto.randomBytes(6).toString('hex')}`
  fs.writeFileSync(temp, content, { flag: 'wx' })
  try {
    fs.linkSync(temp, file)
    return true
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err
    // A filesystem without hard links: O_EXCL, with a window in which the file is empty
    // (an unreadable lock is taken over only once it is GARBAGE_GRACE_MS old).
    try {
      fs.writeFileSync(file, content, { flag: 'wx' })
      return true
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw e
    }
  } finally {
    fs.rmSync(temp, { force: true })
  }
}

function holder(): Holder {
  return { pid: process.pid, host: os.hostname(), since: new Date().toISOString(), nonce: crypto.randomBytes(8).toString('hex') }
}

/** The file's content, or null when there is none (missing). */
function readRaw(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}

function parse(text: string): Holder | null {
  try {
    const h = JSON.parse(text) as Holder
    return h && typeof h.pid === 'number' && typeof h.host === 'string' ? h : null
  } catch {
    return null
  }
}

function oldEnough(file: string): boolean {
  const s = fs.statSync(file, { throwIfNoEntry: false })
  return !!s && Date.now() - s.mtimeMs > GARBAGE_GRACE_MS
}

function isStale(h: Holder): boolean {
  if (h.host !== os.hostname()) return false
  return !alive(h.pid)
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}

/** fsyncs `dir` and every directory below it (not following links). */
function syncDirectories(dir: string): void {
  const dirs = [dir, ...fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isDirectory())
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))]
  for (const d of dirs) {
    const fd = fs.openSync(d, 'r')
    try {
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  }
}

/** Removes what dead processes left of the lock protocol: their scratch files and claims. */
function sweepLockScratch(outDir: string): void {
  for (const name of fs.readdirSync(outDir)) {
    if (!name.startsWith(`${LOCK_NAME}.`)) continue
    const abs = path.join(outDir, name)
    const pid = /^\.kiln\.lock\.(\d+)\.[0-9a-f]+$/.exec(name)?.[1]
    if (pid ? !alive(Number(pid)) : name.includes('.claim-') && isStale(parse(readRaw(abs) ?? '') ?? { pid: process.pid, host: os.hostname(), since: '' })) {
      fs.rmSync(abs, { force: true })
    }
  }
}
