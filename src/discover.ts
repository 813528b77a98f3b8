// Discover: list the sources under the root and sort them into entries, modules/partials
// (compiled only through an entry) and static files (copied as they are).
import fs from 'node:fs'
import path from 'node:path'
import { buildError, KilnError, message, displayPath, type Location, type Message } from './diagnostics.js'
import { parseFingerprint } from './fingerprint.js'
import { STYLE_EXTS, UNSUPPORTED } from './compilers/preprocessors.js'
import { importedCandidates } from './entry-imports.js'
import { keepScan, keptScan, scanKey } from './entry-scan-cache.js'
import { representable, TolerantListing } from './file-names.js'
import { listFiles } from './walk.js'
import { fastGlob } from './packages.js'

export const SCRIPT_EXTS = ['.js', '.mjs', '.cjs', '.jsx', '.ts', '.mts', '.cts', '.tsx']
const ENTRY_EXTS = ['.js', '.mjs', '.ts', '.tsx', '.jsx', ...STYLE_EXTS]

export type SourceKind = 'script' | 'style' | 'static'

export interface SourceFile {
  /** POSIX path relative to the root: the asset's logical name. */
  logical: string
  abs: string
  size: number
  mtimeMs: number
  ino: number
  kind: SourceKind
}

export interface Sources {
  root: string
  entries: SourceFile[]
  modules: SourceFile[]
  statics: SourceFile[]
  warnings: Message[]
}

/** Kinds by lower-case extension; every other extension is a static file's. */
const KINDS = new Map<string, SourceKind>([...STYLE_EXTS.map((e) => [e, 'style'] as const), ...SCRIPT_EXTS.map((e) => [e, 'script'] as const)])

export function kindOf(file: string): SourceKind {
  return KINDS.get(extensionOf(file)) ?? 'static'
}

/**
 * path.extname(file).toLowerCase(), for the thousands of names a walk lists: '' when the base
 * name has no dot after its first character ('.env', 'Makefile').
 */
function extensionOf(file: string): string {
  const dot = file.lastIndexOf('.')
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf(path.sep))
  return dot > slash + 1 ? file.slice(dot).toLowerCase() : ''
}

/** The compiled output's extension for an entry: `.js` for scripts, `.css` for stylesheets. */
export function outputExt(kind: SourceKind, logical: string): string {
  return kind === 'script' ? '.js' : kind === 'style' ? '.css' : path.posix.extname(logical)
}

/** `cacheDir`: where the entry scan's answer is kept between builds (entry-scan-cache.ts); null: nowhere. */
export async function discover(root: string, entryGlobs: string[] | null, exclude: string[], cwd: string, cacheDir: string | null = null): Promise<Sources> {
  const shownRoot = displayPath(root, cwd) || '.'
  if (!fs.existsSync(root)) throw buildError(`Source directory not found: ${shownRoot}`, null, 'create it, or point --root (KILN_ROOT, "root" in the config) at your assets')
  if (!fs.statSync(root).isDirectory()) throw buildError(`Source root is not a directory: ${shownRoot}`)
  const realRoot = fs.realpathSync(root)
  const ignore = ['**/node_modules/**', ...exclude]
  // Names that are not UTF-8 are listed too (fast-glob alone drops their whole directory), to be reported below.
  const names = new TolerantListing()
  const links = new Set<string>()
  let listed
  try {
    // Synchronous: nothing else runs yet. One walk lists and stats (walk.ts), as fast-glob's '**' with `ignore` did.
    listed = listFiles(root, names, skipped(exclude), links)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw buildError(`Cannot list ${shownRoot}: ${e.message}`, e.path ? { file: displayPath(e.path, cwd), line: 1, column: 0 } : null,
      e.code === 'ELOOP' ? 'a symbolic link points at itself or an ancestor; remove it' : undefined)
  }
  listed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const errors: Message[] = []
  const warnings: Message[] = []
  const files = representable(listed, root, names, cwd, errors, (f) => kindOf(f) === 'script').map((e): SourceFile => ({ logical: e.path, abs: e.abs, size: e.stats.size, mtimeMs: e.stats.mtimeMs, ino: e.stats.ino, kind: kindOf(e.path) }))
  // Without a symbolic link below the root, every file is where its path says: nothing to resolve.
  if (links.size) checkInsideRoot(files, root, realRoot, cwd, errors, warnings)

  const chosen = entryGlobs ? await matcher(entryGlobs, root, ignore, warnings, names) : (f: SourceFile) => !f.logical.includes('/') && ENTRY_EXTS.includes(extensionOf(f.logical))
  // Type declarations are modules the type checker reads; they never compile to anything.
  // Sass partials (_x.scss) exist to be @used; they are never entries.
  const isEntry = (f: SourceFile) => chosen(f) && !/\.d\.[mc]?ts$/.test(f.logical) && !/(^|\/)_[^/]*\.s[ac]ss$/i.test(f.logical)
  const entries: SourceFile[] = []
  const modules: SourceFile[] = []
  const statics: SourceFile[] = []
  for (const f of files) {
    const unsupported = f.kind === 'static' ? UNSUPPORTED[extensionOf(f.logical)] : undefined
    if (unsupported) {
      // Never silently copied as if it were a static file.
      const entryLike = entryGlobs ? chosen({ ...f, kind: 'style' }) : !f.logical.includes('/')
      const m = message(`Kiln cannot build ${f.logical}: ${unsupported} is not supported`, { file: displayPath(f.abs, cwd), line: 1, column: 0 },
        entryLike ? 'compile it to CSS first, or rewrite it as .scss, .less or .css' : 'copied as a static file; compile it to CSS (or rewrite it as .scss, .less or .css) to use it')
      ;(entryLike ? errors : warnings).push(m)
    }
    if (f.kind === 'static') statics.push(f)
    else if (isEntry(f)) entries.push(f)
    else modules.push(f)
    if (parseFingerprint(f.logical) && (f.kind === 'static' || isEntry(f))) {
      warnings.push(message(`${f.logical} already looks fingerprinted; it will be fingerprinted again`, { file: displayPath(f.abs, cwd), line: 1, column: 0 },
        'rename it without the -XXXXXXXX suffix so its logical name is stable'))
    }
  }
  // By default, a file directly in the root that another one imports is that entry's module, not an entry of its own.
  if (!entryGlobs && entries.length > 1) {
    const key = scanKey(files.filter((f) => !f.logical.includes('/')))
    let imported = keptScan(cacheDir, key)
    if (!imported) {
      imported = await importedCandidates(entries.map((e) => e.abs), cwd)
      keepScan(cacheDir, key, imported)
    }
    if (imported.size) {
      modules.push(...entries.filter((e) => imported.has(e.abs)))
      modules.sort((a, b) => (a.logical < b.logical ? -1 : a.logical > b.logical ? 1 : 0))
      entries.splice(0, entries.length, ...entries.filter((e) => !imported.has(e.abs)))
    }
  }
  checkOutputCollisions(entries, cwd, errors)
  if (errors.length) throw new KilnError(errors, warnings)
  return { root, entries, modules, statics, warnings }
}

/**
 * Every file must really live under the root, and no link may lead back into itself.
 * Each directory is resolved once, and read once to learn which of its entries are links
 * (fast-glob reports followed links as plain files, and drops links it cannot follow).
 */
function checkInsideRoot(files: SourceFile[], root: string, realRoot: string, cwd: string, errors: Message[], warnings: Message[]) {
  const reals = new Map<string, string>()
  const realOf = (dir: string) => reals.get(dir) ?? (reals.set(dir, fs.realpathSync(dir)), reals.get(dir)!)
  const linksIn = new Map<string, Set<string>>()
  const loops: string[] = []
  const inLoop = (dir: string) => loops.some((l) => dir === l || dir.startsWith(l + path.sep))
  const at = (p: string) => ({ file: displayPath(p, cwd), line: 1, column: 0 })
  for (const f of files) {
    const dir = path.dirname(f.abs)
    if (inLoop(dir)) continue
    const loop = loopAt(dir, root, realOf)
    if (loop) {
      loops.push(loop.link)
      errors.push(message(`${displayPath(loop.link, cwd)} is a symbolic link loop (it leads back to ${displayPath(loop.target, cwd) || '.'})`, at(loop.link), 'remove the link; a tree that contains itself has no end'))
      continue
    }
    let links = linksIn.get(dir)
    if (!links) {
      links = new Set(fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isSymbolicLink()).map((e) => e.name))
      linksIn.set(dir, links)
      for (const name of links) checkLink(path.join(dir, name), cwd, errors, warnings, at)
    }
    const base = path.basename(f.abs)
    const real = links.has(base) ? fs.realpathSync(f.abs) : path.join(realOf(dir), base)
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
      errors.push(message(`${f.logical} is a symbolic link to ${real}, outside the source root`, at(f.abs),
        `copy the file into ${displayPath(root, cwd) || '.'} or change --root so it contains the target`))
    }
  }
}

/** When `dir` is really one of its own ancestors: the shallowest link on the way down, and that ancestor. */
function loopAt(dir: string, root: string, realOf: (d: string) => string): { link: string; target: string } | null {
  const real = realOf(dir)
  for (let anc = path.dirname(dir); anc.startsWith(root); anc = path.dirname(anc)) {
    if (realOf(anc) === real) {
      let link = anc
      for (const part of path.relative(anc, dir).split(path.sep)) {
        link = path.join(link, part)
        if (realOf(link) === real) break
      }
      return { link, target: anc }
    }
    if (anc === root) break
  }
  return null
}

/** fast-glob drops links it cannot follow: a link to itself is an error, a dangling one a warning. */
function checkLink(link: string, cwd: string, errors: Message[], warnings: Message[], at: (p: string) => Location) {
  try {
    fs.statSync(link)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ELOOP') errors.push(message(`${displayPath(link, cwd)} is a symbolic link loop`, at(link), 'remove the link or point it at a real file'))
    else if (code === 'ENOENT') warnings.push(message(`${displayPath(link, cwd)} is a symbolic link to nothing; skipped`, at(link)))
  }
}

/**
 * Which directories the walk does not enter: node_modules anywhere, and the `exclude`d ones
 * (the artifact directory and the cache, given as 'dir/**', as fast-glob's ignore took them).
 */
function skipped(exclude: string[]): (rel: string) => boolean {
  const dirs = new Set(exclude.map((g) => g.replace(/\/\*\*$/, '')))
  return (rel) => dirs.has(rel) || rel === 'node_modules' || rel.endsWith('/node_modules')
}

async function matcher(globs: string[], root: string, ignore: string[], warnings: Message[], names: TolerantListing) {
  // Loaded only here: a build without entry globs never needs fast-glob.
  const fg = fastGlob()
  const chosen = new Set<string>()
  for (const glob of globs) {
    const hits = fg.sync(glob, { cwd: root, dot: false, onlyFiles: true, followSymbolicLinks: true, ignore, fs: names.adapter })
    if (hits.length === 0) warnings.push(message(`Entry pattern "${glob}" matched no files`, null, 'entry patterns are relative to the root'))
    for (const h of hits) chosen.add(h)
  }
  return (f: SourceFile) => chosen.has(f.logical) && f.kind !== 'static'
}

/** `app.ts` and `app.js` would both write `app-HASH.js`: two entries must not share a logical output. */
function checkOutputCollisions(entries: SourceFile[], cwd: string, errors: Message[]) {
  const seen = new Map<string, SourceFile>()
  for (const e of entries) {
    const key = e.logical.slice(0, e.logical.length - path.posix.extname(e.logical).length) + outputExt(e.kind, e.logical)
    const other = seen.get(key)
    if (other) {
      errors.push(message(`${other.logical} and ${e.logical} would both be written as ${key}`, { file: displayPath(e.abs, cwd), line: 1, column: 0 },
        'rename one of them, or narrow the entries in the config'))
    } else seen.set(key, e)
  }
}
