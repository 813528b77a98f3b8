// The artifact directory: content-addressed and append-only. Every write goes to a temp
// file in its temp directory (temp.ts) and is renamed into place, so no reader ever sees half a file,
// and a fingerprinted file that is in place is never written again. One that is not (missing,
// the wrong size, or with --verify the wrong hash) is written again with exactly the bytes
// its name promises, and the build says so: a repair.
import fs from 'node:fs'
import path from 'node:path'
import { buildError, displayPath, message, type Message } from './diagnostics.js'
import { integrity } from './fingerprint.js'
import { tempPath } from './temp.js'
import type { Staged } from './workers/asset-jobs.js'

export interface OutputFile {
  /** Path relative to the artifact directory, POSIX separators. */
  file: string
  size: number
  integrity: string
  /** Bytes when this build has them; stageOutputs fills them in when it had to fetch them. */
  bytes?: Buffer
}

/** A file of the artifact directory that was missing or wrong and was written again. */
export interface Repair {
  /** Path relative to the working directory, as in messages. */
  file: string
  /** The size the manifest records. */
  size: number
  /** What was there: null when missing; the same size as `size` when only the bytes were wrong (--verify). */
  found: number | null
}

/**
 * New files of a build, written as temp files beside their destinations and renamed into
 * place only when the whole build has succeeded: a failed build adds nothing.
 */
export class Stage {
  private readonly staged: Staged[] = []

  /** `outDir`: the artifact directory, up to which the directories renamed into are fsynced. */
  constructor(private readonly outDir?: string) {}

  /** After commit: files renamed into place where there was none, and files that replaced wrong ones. */
  readonly created: string[] = []
  readonly replaced: { dest: string; found: number }[] = []

  add(files: Staged[]): void {
    this.staged.push(...files)
  }

  get size(): number {
    return this.staged.length
  }

  /**
   * Renames every staged file into place, durably: each file's data is fsynced before its
   * rename, and each directory renamed into (and its parents up to the artifact directory,
   * which may be new) is fsynced after, so no manifest written next can name a file that a
   * power cut takes back. Same name means same bytes, so one already there wins, except one
   * found wrong while staging, which the rename replaces (atomically).
   */
  async commit(cwd: string): Promise<number> {
    const fail = (err: unknown, p: string) => fileError(Object.assign(err as NodeJS.ErrnoException, { path: p }), cwd)
    const moves: Staged[] = []
    for (const s of this.staged) {
      // A worker staged its file right after finding nothing at `dest` (or the wrong bytes: `replaces`),
      // under this build's lock, and every output name is one file's: no need to look again.
      if (s.replaces !== undefined || s.synced || !fs.existsSync(s.dest)) moves.push(s)
      else await fs.promises.rm(s.temp, { force: true }).catch((err) => Promise.reject(fail(err, s.dest)))
    }
    // A worker that wrote a static file fsynced it then, while it had it open.
    await inParallel(moves.filter((s) => !s.synced), (s) => syncFile(s.temp).catch((err) => Promise.reject(fail(err, s.dest))))
    const dirs = new Set<string>()
    let failed: unknown
    // The renames in one synchronous run: each takes microseconds, thousands of promises take longer than the renames.
    for (const { temp, dest, replaces } of moves) {
      try {
        fs.renameSync(temp, dest)
      } catch (err) {
        failed = fail(err, dest)
        break
      }
      for (let d = path.dirname(dest); !dirs.has(d); d = path.dirname(d)) {
        dirs.add(d)
        if (!this.outDir || !d.startsWith(this.outDir + path.sep)) break
      }
      if (replaces !== undefined) this.replaced.push({ dest, found: replaces })
      else this.created.push(dest)
    }
    // Also when a rename failed: what did move is made durable all the same.
    const synced = inParallel([...dirs], (d) => syncDir(d).catch((err) => Promise.reject(fail(err, d))))
    if (failed) {
      await synced.catch(() => {})
      throw failed
    }
    await synced
    return this.staged.length
  }

  async abort(): Promise<void> {
    await Promise.all(this.staged.map((s) => fs.promises.rm(s.temp, { force: true })))
  }
}

/**
 * Stages the compiled files that are not in place, and replacements for those that are
 * there with the wrong size (with `verify`, the wrong hash). A file without bytes was found
 * in place by the compile cache (its size checked); only `verify` looks at it again, and
 * when it is wrong its bytes come from `cached` and are filled in, so its compressed
 * variants are made from the right bytes.
 */
export async function stageOutputs(outDir: string, files: OutputFile[], stage: Stage, cwd: string, verify: boolean, cached: (f: OutputFile) => Buffer | null): Promise<void> {
  await Promise.all(files.map(async (f) => {
    if (!f.bytes && !verify) return
    const dest = path.join(outDir, f.file)
    const existing = await fs.promises.lstat(dest).catch(() => null)
    let replaces: number | undefined
    if (existing) {
      const right = existing.isFile() && existing.size === f.size && (!verify || (await hashOf(dest)) === f.integrity)
      if (right) return
      replaces = existing.size
    }
    const bytes = f.bytes ?? cached(f)
    // Never write bytes other than the name promises; the compile cache keeps the bytes of every
    // output it lets a build skip (cache.ts), so this means that cache changed under the build.
    if (!bytes || integrity(bytes) !== f.integrity) {
      throw buildError(`Cannot repair ${displayPath(dest, cwd)}: its bytes are wrong and no good copy is at hand`, null, 'build again; if this repeats, remove the build cache directory (--cache-dir)')
    }
    f.bytes = bytes
    const temp = tempPath(dest, outDir)
    try {
      await fs.promises.mkdir(path.dirname(dest), { recursive: true })
      await fs.promises.writeFile(temp, bytes, { flag: 'wx' })
    } catch (err) {
      await fs.promises.rm(temp, { force: true })
      throw fileError(Object.assign(err as NodeJS.ErrnoException, { path: dest }), cwd)
    }
    stage.add([{ temp, dest, replaces }])
  }))
}

async function hashOf(file: string): Promise<string> {
  return integrity(await fs.promises.readFile(file))
}

/**
 * What this build wrote again after commit: every replacement, and every file created that
 * the previous manifest (still `manifestPath` until the new one is written) listed, which
 * means it had gone missing. `files` are the new manifest's.
 */
export function repairsOf(stage: Stage, outDir: string, manifestPath: string, files: Record<string, { size: number }>, cwd: string): Repair[] {
  const rel = (dest: string) => path.relative(outDir, dest).split(path.sep).join('/')
  const repairs: Repair[] = stage.replaced.map(({ dest, found }) => ({ file: displayPath(dest, cwd), size: files[rel(dest)]?.size ?? 0, found }))
  if (stage.created.length) {
    const before = listedIn(manifestPath)
    for (const dest of stage.created) if (before.has(rel(dest))) repairs.push({ file: displayPath(dest, cwd), size: files[rel(dest)]?.size ?? 0, found: null })
  }
  return repairs.sort((a, b) => (a.file < b.file ? -1 : 1))
}

function listedIn(manifestPath: string): Set<string> {
  try {
    return new Set(Object.keys((JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as { files?: object }).files ?? {}))
  } catch {
    return new Set()
  }
}

/** A repair as a warning: not a problem in the sources, so it stays a warning under --strict (build.ts). */
export function repairMessage(r: Repair): Message {
  const was = r.found === null ? `was missing, expected ${r.size} bytes` : r.found === r.size ? `was ${r.size} bytes with the wrong content` : `was ${r.found} bytes, expected ${r.size}`
  return message(`repaired ${r.file} (${was})`, null,
    'something other than Kiln changed the artifact directory; the file was written again with exactly the bytes its name promises')
}

/**
 * Writes bytes to `dest` atomically; with `durable`, fsyncs the file and its directory.
 * `tempDir`: the artifact (or cache) directory `dest` is in, whose temp directory to use.
 */
export async function writeAtomic(dest: string, bytes: Buffer | string, durable = false, tempDir?: string): Promise<void> {
  const dir = path.dirname(dest)
  await fs.promises.mkdir(dir, { recursive: true })
  const temp = tempPath(dest, tempDir)
  try {
    const handle = await fs.promises.open(temp, 'wx')
    try {
      await handle.writeFile(bytes)
      if (durable) await handle.sync()
    } finally {
      await handle.close()
    }
    await fs.promises.rename(temp, dest)
  } catch (err) {
    await fs.promises.rm(temp, { force: true })
    // A temp file's name says nothing: report the file it was for.
    if ((err as NodeJS.ErrnoException).path === temp) (err as NodeJS.ErrnoException).path = dest
    throw err
  }
  if (durable) await syncDir(dir)
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function syncFile(file: string): Promise<void> {
  const handle = await fs.promises.open(file, 'r+')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Runs `fn` on every item, at most `limit` at a time (each holds a file open). */
async function inParallel<T>(items: T[], fn: (item: T) => Promise<void>, limit = 16): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!)
  }))
}

/**
 * A file system error (from this thread or a worker) as a build error naming the path.
 * Paths under the artifact directory were being written; anything else was being read.
 */
export function fileError(e: NodeJS.ErrnoException, cwd: string, outDir?: string): ReturnType<typeof buildError> {
  const where = e.path ? displayPath(e.path.replace(/\/\.([^/]+)\.\d+\.[0-9a-f]+\.kiln-tmp$/, '/$1').replace(/\/\.kiln-tmp\/\d+\.[0-9a-f]+$/, ''), cwd) : 'a file'
  const writing = !outDir || !e.path || e.path.startsWith(outDir + path.sep) || e.path === outDir
  return buildError(`Cannot ${writing ? 'write' : 'read'} ${where}: ${e.code ?? e.message}`, null, hintFor(e.code, writing))
}

export function hintFor(code: string | undefined, writing = true): string | undefined {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return writing ? 'the artifact directory is not writable; check its permissions or choose another --out' : 'check the file\'s permissions'
    case 'ENOSPC':
      return 'the disk is full; free space (kiln clean) and build again'
    case 'ENAMETOOLONG':
      return 'the name is too long for the file system; shorten the source file\'s name (or the path to it)'
    case 'ENOTDIR':
    case 'EISDIR':
      return writing ? 'a file stands where the artifact directory needs a directory (or the reverse); remove it or choose another --out' : 'a file stands where a directory is expected (or the reverse)'
    case 'ELOOP':
      return 'a symbolic link on the way is a loop; remove it'
    default:
      return undefined
  }
}
