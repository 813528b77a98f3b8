// The artifact directory: content-addressed and append-only. Every write goes to a temp
// file in the same directory and is renamed into place, so no reader ever sees half a file,
// and a fingerprinted file that already exists is never written again.
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { buildError, displayPath } from './diagnostics.js'

export interface OutputFile {
  /** Path relative to the artifact directory, POSIX separators. */
  file: string
  bytes: Buffer
}

export interface WriteStats {
  written: number
  reused: number
}

const TEMP_MARK = '.kiln-tmp'

export function isTempFile(name: string): boolean {
  return name.endsWith(TEMP_MARK)
}

/** Writes bytes to `dest` atomically; with `durable`, fsyncs the file and its directory. */
export async function writeAtomic(dest: string, bytes: Buffer | string, durable = false): Promise<void> {
  const dir = path.dirname(dest)
  await fs.promises.mkdir(dir, { recursive: true })
  const temp = path.join(dir, `.${path.basename(dest)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}${TEMP_MARK}`)
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

/** Writes every output that is not already in place. Same name means same bytes. */
export async function writeOutputs(outDir: string, files: OutputFile[], cwd: string): Promise<WriteStats> {
  const stats: WriteStats = { written: 0, reused: 0 }
  const queue = [...files]
  const worker = async () => {
    for (let f = queue.shift(); f; f = queue.shift()) {
      const dest = path.join(outDir, f.file)
      const existing = await fs.promises.lstat(dest).catch(() => null)
      if (existing) {
        if (!existing.isFile() || existing.size !== f.bytes.length) {
          throw buildError(`${displayPath(dest, cwd)} exists with different content; fingerprinted files are never overwritten`, null,
            'the artifact directory was changed by something other than Kiln: remove that file and build again')
        }
        stats.reused++
        continue
      }
      try {
        await writeAtomic(dest, f.bytes)
      } catch (err) {
        const e = err as NodeJS.ErrnoException
        throw buildError(`Cannot write ${displayPath(dest, cwd)}: ${e.code ?? e.message}`, null, hintFor(e.code))
      }
      stats.written++
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker))
  return stats
}

export function hintFor(code: string | undefined): string | undefined {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return 'the artifact directory is not writable; check its permissions or choose another --out'
    case 'ENOSPC':
      return 'the disk is full; free space (kiln clean) and build again'
    default:
      return undefined
  }
}
