// Every file below a directory, as absolute paths in a stable order.
import fs from 'node:fs'
import path from 'node:path'

export function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    // Node 20.12+ names the directory parentPath; earlier 20.x only path.
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort()
}
