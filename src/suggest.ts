// "Did you mean …?" for a reference to a file that does not exist (a CSS url() or
// @import, a JS/TS import): the nearest existing path, spelled the way the reference was
// written, so the hint can be pasted back. Only runs once a build has already failed or
// warned, so it may read directories; it never runs on a build that succeeds quietly.
import fs from 'node:fs'
import path from 'node:path'
import { editDistance } from './runtime/closest.js'

/**
 * How the last segment is compared. 'file': the whole basename (a CSS url() names the
 * file exactly). 'module': with or without its extension, and directories count too
 * (`./utlis` → `./utils` for utils.ts; @import "base" → base.css).
 */
export type SuggestMode = 'file' | 'module'

/** Extensions a module reference may leave out (esbuild's resolve extensions, and .css for @import). */
const MODULE_EXTS = new Set(['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.css', '.json'])
/** Directories never worth suggesting into, nor walking. */
const SKIP_DIRS = new Set(['node_modules'])
/** Bounds the fallback walk of the source root (a hint must not cost more than the build). */
const WALK_LIMIT = 20_000

interface Entry {
  name: string
  dir: boolean
}

/**
 * The nearest existing path to `written` (a POSIX path relative to `baseDir`, as it appears
 * in the source), or null when nothing is close enough to be a plausible typo. The same
 * directory comes first, segment by segment (a misspelt directory is corrected on the way);
 * failing that, a file with exactly this name elsewhere under `root`, the nearest first.
 */
export function suggestPath(written: string, baseDir: string, mode: SuggestMode, root?: string): string | null {
  return nearby(written, baseDir, mode) ?? (root ? elsewhere(written, baseDir, mode, root) : null)
}

function nearby(written: string, baseDir: string, mode: SuggestMode): string | null {
  const segments = written.split('/')
  const out: string[] = []
  let dir = baseDir
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!
    const last = i === segments.length - 1
    if (seg === '' || seg === '.' || seg === '..') {
      if (last) return null
      out.push(seg)
      dir = path.resolve(dir, seg || '.')
      continue
    }
    const entries = list(dir)
    if (!entries) return null
    if (!last) {
      const dirs = entries.filter((e) => e.dir && !e.name.startsWith('.'))
      const name = dirs.find((e) => e.name === seg)?.name ?? nearest(seg, dirs.map((e) => e.name))
      if (!name) return null
      out.push(name)
      dir = path.join(dir, name)
      continue
    }
    const name = best(seg, entries, mode)
    if (!name) return null
    out.push(name)
  }
  const suggestion = out.join('/')
  return suggestion === written ? null : suggestion
}

/** The best candidate for `name` among `entries`, or null when none is close. */
function best(name: string, entries: Entry[], mode: SuggestMode): string | null {
  const wanted = name.toLowerCase()
  const wantedExt = path.extname(wanted)
  const wantedStem = wanted.slice(0, wanted.length - wantedExt.length)
  let found: { score: number; value: string } | null = null
  const offer = (score: number, value: string) => {
    if (!found || score < found.score || (score === found.score && value < found.value)) found = { score, value }
  }
  for (const e of entries) {
    if (e.name.startsWith('.') && !name.startsWith('.')) continue
    const lower = e.name.toLowerCase()
    const ext = e.dir ? '' : path.extname(lower)
    const stem = lower.slice(0, lower.length - ext.length)
    if (!e.dir || mode === 'module') {
      // The same name with another extension (logo.png → logo.svg) is the likeliest slip;
      // prefer one of the same kind (an image for an image).
      if (lower === wanted) offer(0, e.name)
      else if (ext && wantedExt && stem === wantedStem) offer(0.5 + (kindOf(ext) === kindOf(wantedExt) ? 0 : 0.25), e.name)
      else if (plausible(wanted, lower)) offer(editDistance(wanted, lower), e.name)
    }
    if (mode === 'module' && !wantedExt) {
      // `./utlis` against utils.ts: compare without the extension, suggest without it.
      if (e.dir || MODULE_EXTS.has(ext)) {
        if (plausible(wanted, stem)) offer(editDistance(wanted, stem), e.dir ? e.name : e.name.slice(0, e.name.length - ext.length))
      }
    }
  }
  return (found as { value: string } | null)?.value ?? null
}

function nearest(name: string, names: string[]): string | null {
  const wanted = name.toLowerCase()
  const scored = names.filter((n) => plausible(wanted, n.toLowerCase())).map((n) => [editDistance(wanted, n.toLowerCase()), n] as const)
  return scored.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1))[0]?.[1] ?? null
}

/** Close enough to be a typo: the same rule as the other "did you mean" hints (runtime/closest.ts). */
function plausible(a: string, b: string): boolean {
  return editDistance(a, b) <= Math.max(2, Math.floor(b.length / 3))
}

function kindOf(ext: string): 'module' | 'style' | 'static' {
  return ext === '.css' ? 'style' : MODULE_EXTS.has(ext) ? 'module' : 'static'
}

function list(dir: string): Entry[] | null {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).map((d) => ({ name: d.name, dir: d.isDirectory() || (d.isSymbolicLink() && isDir(path.join(dir, d.name))) }))
  } catch {
    return null
  }
}

function isDir(p: string): boolean {
  return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false
}

/** A file named exactly like the reference somewhere else under the root (`url(logo.svg)` for images/logo.svg). */
function elsewhere(written: string, baseDir: string, mode: SuggestMode, root: string): string | null {
  const rel = path.relative(root, baseDir)
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null
  const name = path.posix.basename(written).toLowerCase()
  if (!name || name === '.' || name === '..') return null
  const matches: string[] = []
  let seen = 0
  const walk = (dir: string) => {
    for (const e of list(dir) ?? []) {
      if (++seen > WALK_LIMIT) return
      if (e.name.startsWith('.')) continue
      const abs = path.join(dir, e.name)
      if (e.dir) {
        if (!SKIP_DIRS.has(e.name)) walk(abs)
        continue
      }
      const lower = e.name.toLowerCase()
      const ext = path.extname(lower)
      if (lower === name || (mode === 'module' && !path.extname(name) && MODULE_EXTS.has(ext) && lower.slice(0, -ext.length) === name)) matches.push(abs)
    }
  }
  walk(root)
  if (!matches.length) return null
  // Nearest first: fewest steps from the referencing file's directory, then by name.
  const steps = (p: string) => path.relative(baseDir, p).split(path.sep).length
  const target = matches.sort((a, b) => steps(a) - steps(b) || (a < b ? -1 : 1))[0]!
  let out = path.relative(baseDir, target).split(path.sep).join('/')
  if (mode === 'module' && !path.extname(name)) out = out.slice(0, out.length - path.extname(out).length)
  if (written.startsWith('./') && !out.startsWith('.')) out = `./${out}`
  return out === written ? null : out
}

/** The package a bare import names: `lodash/fp` → `lodash`, `@scope/pkg/x` → `@scope/pkg`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!
}

/** True when `node_modules/<name>` exists in `fromDir` or any directory above it. */
export function packageInstalled(name: string, fromDir: string): boolean {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'node_modules', name))) return true
    if (path.dirname(dir) === dir) return false
  }
}
