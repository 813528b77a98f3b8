// The entry scan's answer (entry-imports.ts: which root files another root file imports), kept
// in the cache directory. The scan starts esbuild, and in an app whose main.ts imports
// './style.css' beside it, it did so on every build, a no-op included. The answer depends on
// the files directly in the root (their names and contents: a new one can change how an import
// resolves), so the key is each one's path, size, mtime and inode, as the build cache keys
// its inputs, with Kiln's version. Anything that fails a check is ignored: it only saves time.
import { keyOf } from './fingerprint.js'
import { readKept, writeKept } from './kept-file.js'
import { VERSION } from './version.js'

const FILE = 'entry-scan-v1.json'

export interface RootFile {
  abs: string
  size: number
  mtimeMs: number
  ino: number
}

/** The key of the scan over these files (every file directly in the root, not only the candidates). */
export function scanKey(rootFiles: RootFile[]): string {
  return keyOf([VERSION, rootFiles.map((f) => [f.abs, f.size, f.mtimeMs, f.ino])])
}

/** The imported candidates kept for `key`, or null. */
export function keptScan(dir: string | null, key: string): Set<string> | null {
  const kept = readKept(dir, FILE) as { key?: unknown; imported?: unknown } | null
  return kept?.key === key && Array.isArray(kept.imported) && kept.imported.every((f) => typeof f === 'string') ? new Set(kept.imported as string[]) : null
}

/** Keeps the scan's answer for the next build. */
export function keepScan(dir: string | null, key: string, imported: Set<string>): void {
  writeKept(dir, FILE, { key, imported: [...imported].sort() })
}
