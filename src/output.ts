// The artifact directory: content-addressed and append-only. Every write goes to a temp
// file in the same directory and is renamed into place, so no reader ever sees half a file,
// and a fingerprinted file that already exists is never written again.
import fs from 'node:fs'
import path from 'node:path'
import { buildError, displayPath } from './diagnostics.js'
import { tempPath } from './temp.js'
import type { Staged } from './workers/asset-jobs.js'

export interface OutputFile {
  /** Path relative to the artifact directory, POSIX separators. */
  file: string
  bytes: Buffer
}

/**
 * New files of a build, written as temp files beside their destinations and renamed into
 * place only when the whole build has succeeded: a failed build adds nothing.
 */
export class Stage {
  private readonly staged: Staged[] = []

  add(files: Staged[]): void {
    this.staged.push(...files)
  }

  get size(): number {
    return this.staged.length
  }

  /** Renames every staged file into place. Same name means same bytes, so one already there wins. */
  async commit(cwd: string): Promise<number> {
    for (const { temp, dest } of this.staged) {
      try {
        if (fs.existsSync(dest)) await fs.promises.rm(temp, { force: true })
        else await fs.promises.rename(temp, dest)
      } catch (err) {
        throw fileError(Object.assign(err as NodeJS.ErrnoException, { path: dest }), cwd)
      }
    }
    return this.staged.length
  }

  async abort(): Promise<void> {
    await Promise.all(this.staged.map((s) => fs.promises.rm(s.temp, { force: true })))
  }
}

/** Stages the compiled files that are not already in place. */
export async function stageOutputs(outDir: string, files: OutputFile[], stage: Stage, cwd: string): Promise<void> {
  await Promise.all(files.map(async (f) => {
    const dest = path.join(outDir, f.file)
    const existing = await fs.promises.lstat(dest).catch(() => null)
    if (existing) {
      if (!existing.isFile() || existing.size !== f.bytes.length) throw fileError({ code: 'EKILNDIFFERENT', path: dest } as NodeJS.ErrnoException, cwd)
      return
    }
    const temp = tempPath(dest)
    try {
      await fs.promises.mkdir(path.dirname(dest), { recursive: true })
      await fs.promises.writeFile(temp, f.bytes, { flag: 'wx' })
    } catch (err) {
      await fs.promises.rm(temp, { force: true })
      throw fileError(Object.assign(err as NodeJS.ErrnoException, { path: dest }), cwd)
    }
    stage.add([{ temp, dest }])
  }))
}

/** Writes bytes to `dest` atomically; with `durable`, fsyncs the file and its directory. */
export async function writeAtomic(dest: string, bytes: Buffer | string, durable = false): Promise<void> {
  const dir = path.dirname(dest)
  await fs.promises.mkdir(dir, { recursive: true })
  const temp = tempPath(dest)
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

/**
 * A file system error (from this thread or a worker) as a build error naming the path.
 * Paths under the artifact directory were being written; anything else was being read.
 */
export function fileError(e: NodeJS.ErrnoException, cwd: string, outDir?: string): ReturnType<typeof buildError> {
  const where = e.path ? displayPath(e.path.replace(/\/\.([^/]+)\.\d+\.[0-9a-f]+\.kiln-tmp$/, '/$1'), cwd) : 'a file'
  if (e.code === 'EKILNDIFFERENT') {
    return buildError(`${where} exists with different content; fingerprinted files are never overwritten`, null,
      'the artifact directory was changed by something other than Kiln: remove that file and build again')
  }
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
    default:
      return undefined
  }
}
