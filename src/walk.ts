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
