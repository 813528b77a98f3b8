// Walking the file system: every file below a directory, and a path's real location.
import fs from 'node:fs'
import path from 'node:path'

export function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    // Node 20.12+ names the directory parentPath; earlier 20.x only path.
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort()
}

/** `p` with symbolic links resolved: its longest existing ancestor's real path, then the rest as written. */
export function realPath(p: string): string {
  const rest: string[] = []
  for (let dir = p; ; dir = path.dirname(dir)) {
    try {
      return path.join(fs.realpathSync(dir), ...rest.reverse())
    } catch {
      // Missing (or unreadable): try its parent.
    }
    if (dir === path.dirname(dir)) return p
    rest.push(path.basename(dir))
  }
}

/** Errors that mean a path names no file: missing, through a file, too long, a symbolic link loop, a NUL byte. */
const NAMES_NOTHING = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP', 'ERR_INVALID_ARG_VALUE', 'ERR_INVALID_ARG_TYPE'])

/**
 * fs.statSync for a path that comes from a source (a url(), an @import, an import): undefined
 * when it names no file, for every reason a path can fail to (throwIfNoEntry covers ENOENT only).
 * Other errors (EACCES, EIO) are real problems and are thrown.
 */
export function statIfAny(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p, { throwIfNoEntry: false })
  } catch (err) {
    if (NAMES_NOTHING.has((err as NodeJS.ErrnoException).code ?? '')) return undefined
    throw err
  }
}

/**
 * Why `dir` cannot be used (or made) as a directory, or null when it can. `at` is `dir` itself,
 * or the ancestor that is a file (then `problem` is 'is a file', said of `at`).
 */
export function dirProblem(dir: string): { problem: string; at: string } | null {
  if (dir.includes('\0')) return { problem: 'it contains a NUL byte', at: dir }
  let code: string | undefined
  try {
    return fs.statSync(dir).isDirectory() ? null : { problem: 'it is a file, not a directory', at: dir }
  } catch (err) {
    code = (err as NodeJS.ErrnoException).code
  }
  if (code === 'ELOOP') return { problem: 'a symbolic link on the way to it is a loop', at: dir }
  if (code === 'ENAMETOOLONG') return { problem: 'its name is too long for the file system', at: dir }
  if (code !== 'ENOENT' && code !== 'ENOTDIR') return null
  // Missing: fine if its nearest existing ancestor is a directory it can be made in.
  for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
    const s = statIfAny(d)
    if (s) return s.isDirectory() ? null : { problem: 'is a file', at: d }
  }
  return null
}
