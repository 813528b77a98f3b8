// Stylesheet languages other than CSS, one row each: the optional peer package that compiles
// them (resolved from the project, never from Kiln's own node_modules: the app chooses the
// version), and the languages Kiln recognises but cannot build, so they are never copied
// as if they were static files.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { buildError, type Location, type Message } from '../diagnostics.js'
import { importModule } from '../import-module.js'
import type { Preprocessed, PreprocessOptions } from './preprocessed.js'


interface Preprocessor {
  language: string
  /** Peer packages that can do it, in order of preference. */
  peers: string[]
  compile: (file: string, peer: unknown, o: PreprocessOptions) => Promise<Preprocessed>
}

const sass: Preprocessor = {
  language: 'Sass',
  peers: ['sass-embedded', 'sass'],
  compile: async (file, peer, o) => (await import('./sass.js')).compileSass(file, peer, o),
}

const less: Preprocessor = {
  language: 'Less',
  peers: ['less'],
  compile: async (file, peer, o) => (await import('./less.js')).compileLess(file, peer, o),
}

export const PREPROCESSORS: Record<string, Preprocessor> = { '.scss': sass, '.sass': sass, '.less': less }

/** Languages Kiln recognises and cannot compile: an entry or an import of one is an error, never a copied file. */
export const UNSUPPORTED: Record<string, string> = { '.styl': 'Stylus', '.stylus': 'Stylus' }

/** Extensions of every stylesheet Kiln compiles (.pcss and .postcss are CSS for PostCSS, as in Vite). */
export const STYLE_EXTS = ['.css', '.pcss', '.postcss', ...Object.keys(PREPROCESSORS)]

export function preprocessorOf(file: string): Preprocessor | null {
  return PREPROCESSORS[path.extname(file).toLowerCase()] ?? null
}

/** The first installed peer, from the project root: its resolved entry, or null. */
export function findPeer(p: Preprocessor, projectRoot: string): { name: string; entry: string } | null {
  const require = createRequire(path.join(projectRoot, 'package.json'))
  for (const name of p.peers) {
    try {
      return { name, entry: require.resolve(name) }
    } catch {
      // not installed; try the next
    }
  }
  return null
}

/** "install sass to build theme.scss", at the importing file's line (or the entry itself). */
export function missingPeer(p: Preprocessor, file: string, location: Location | null) {
  const peer = p.peers[p.peers.length - 1]!
  return buildError(`install ${peer} to build ${path.basename(file)}`, location,
    `${p.language} is compiled by the optional peer dependency "${peer}"${p.peers.length > 1 ? ` (or "${p.peers[0]}")` : ''}: npm install -D ${peer}`)
}

const modules = new Map<string, Promise<unknown>>()

export async function preprocess(file: string, o: PreprocessOptions, location: Location | null): Promise<Preprocessed | null> {
  const p = preprocessorOf(file)
  if (!p) return null
  const peer = findPeer(p, o.projectRoot)
  if (!peer) throw missingPeer(p, file, location)
  let mod = modules.get(peer.entry)
  if (!mod) {
    mod = importModule(pathToFileURL(peer.entry).href)
    modules.set(peer.entry, mod)
  }
  const loaded = (await mod) as { default?: unknown }
  // The package.json of the peer: an upgrade changes the output, so it is an input of the unit.
  const pkg = packageJsonOf(peer.entry, peer.name)
  const result = await p.compile(file, loaded.default && typeof loaded.default === 'object' ? { ...loaded.default, ...loaded } : loaded, o)
  if (pkg) result.inputs.push(pkg)
  if (result.map) result.map = relativeSources(result.map as RawMap, file)
  return result
}

interface RawMap {
  sources: string[]
  sourceRoot?: string
}

/**
 * Sources relative to the compiled file's directory, which is how postcss reads a previous
 * map: the written map then names them relative to itself, never by absolute path or
 * file: URL (the artifact is the same in any directory).
 */
function relativeSources(map: RawMap, file: string): RawMap {
  const dir = path.dirname(file)
  const root = map.sourceRoot ?? ''
  const sources = map.sources.map((s) => {
    const joined = root && !/^[a-z]+:/i.test(s) && !path.isAbsolute(s) ? `${root.replace(/\/?$/, '/')}${s}` : s
    const abs = joined.startsWith('file:') ? fileURLToPath(joined) : path.resolve(dir, joined)
    return path.relative(dir, abs).split(path.sep).join('/')
  })
  return { ...map, sourceRoot: undefined, sources }
}

function packageJsonOf(entry: string, name: string): string | null {
  for (let dir = path.dirname(entry); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (dir.endsWith(path.join('node_modules', name)) && fs.existsSync(path.join(dir, 'package.json'))) return path.join(dir, 'package.json')
  }
  return null
}

