// Static files: copied byte for byte under a fingerprinted name. Also the lookup table
// compilers use to turn a referenced file (CSS url(), JS import) into its output file;
// a referenced file outside the root (e.g. a font in node_modules) joins the table on demand.
import fs from 'node:fs'
import path from 'node:path'
import { contentHash, fingerprintName, integrity } from './fingerprint.js'
import { mimeType } from './runtime/mime.js'
import type { SourceFile } from './discover.js'

export interface StaticAsset {
  /** Logical name, or null for a referenced file outside the root (listed in `files` only). */
  logical: string | null
  abs: string
  /** Output path relative to the artifact directory. */
  file: string
  integrity: string
  size: number
  type: string
  bytes: Buffer
}

export class Statics {
  private readonly byPath = new Map<string, Promise<StaticAsset | null>>()

  constructor(private readonly root: string, private readonly cwd: string) {}

  /** Fingerprint every discovered static file. */
  async addAll(files: SourceFile[]): Promise<StaticAsset[]> {
    return Promise.all(files.map((f) => this.add(f.abs, f.logical)))
  }

  private add(abs: string, logical: string | null): Promise<StaticAsset> {
    const pending = fs.promises.readFile(abs).then((bytes) => {
      const name = logical ?? externalName(abs, this.root, this.cwd)
      return { logical, abs, file: fingerprintName(name, contentHash(bytes)), integrity: integrity(bytes), size: bytes.length, type: mimeType(abs), bytes }
    })
    this.byPath.set(abs, pending)
    return pending
  }

  /** The asset for a referenced file, or null when there is no such file. Directories are reported by the caller. */
  lookup(abs: string): Promise<StaticAsset | null> {
    const known = this.byPath.get(abs)
    if (known) return known
    let stat: fs.Stats
    try {
      stat = fs.statSync(abs)
    } catch {
      return Promise.resolve(null)
    }
    if (!stat.isFile()) return Promise.resolve(null)
    return this.add(abs, null)
  }

  /** Every asset looked up or added so far, in a stable order. */
  async all(): Promise<StaticAsset[]> {
    const list = (await Promise.all(this.byPath.values())).filter((a): a is StaticAsset => a !== null)
    return list.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
  }
}

/**
 * Output name for a referenced file outside the root: `_/` plus its path below the
 * nearest node_modules (`_/katex/dist/fonts/x.woff2`), else relative to the working
 * directory with `..` spelled `__`. Never absolute, so the artifact is the same everywhere.
 */
function externalName(abs: string, root: string, cwd: string): string {
  const rel = path.relative(root, abs).split(path.sep).join('/')
  if (!rel.startsWith('../')) return rel
  const posix = abs.split(path.sep).join('/')
  const nm = posix.lastIndexOf('/node_modules/')
  if (nm >= 0) return `_/${posix.slice(nm + '/node_modules/'.length)}`
  return `_/${path.relative(cwd, abs).split(path.sep).map((s) => (s === '..' ? '__' : s)).join('/')}`
}
