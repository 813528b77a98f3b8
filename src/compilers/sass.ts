// .scss and .sass through the project's own `sass` or `sass-embedded` (modern API).
// `@use "pkg/path"`, `@use "pkg"` (its package.json `sass` or `style` file) and webpack's
// `~pkg/path` resolve in node_modules; Sass's own warnings become Kiln warnings with their
// location, except deprecations inside packages (quietDeps: they are not the app's to fix).
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { buildError, displayPath, type Location, type Message } from '../diagnostics.js'
import { nodeModulesDirs, type Preprocessed, type PreprocessOptions } from './preprocessed.js'

interface Span {
  url?: URL
  start: { line: number; column: number }
  context?: string
  text?: string
}

interface SassApi {
  compile?: (file: string, options: object) => { css: string; sourceMap?: { sources: string[] }; loadedUrls: URL[] }
  compileAsync: (file: string, options: object) => Promise<{ css: string; sourceMap?: { sources: string[] }; loadedUrls: URL[] }>
  info?: string
  NodePackageImporter?: new (entryPointDirectory?: string) => object
}

export async function compileSass(file: string, peer: unknown, o: PreprocessOptions): Promise<Preprocessed> {
  const sass = peer as SassApi
  const warnings: Message[] = []
  const modules = nodeModulesDirs(path.dirname(file))
  const options = {
    style: 'expanded',
    sourceMap: o.sourcemap,
    sourceMapIncludeSources: o.sourcemap,
    quietDeps: true,
    // pkg: URLs (Sass's own Node package importer, sass ≥ 1.71), then bare names and ~names in node_modules.
    importers: [...(sass.NodePackageImporter ? [new sass.NodePackageImporter(o.projectRoot)] : []), { findFileUrl: (url: string) => findInPackages(url, modules) }],
    logger: {
      warn: (text: string, w: { span?: Span; stack?: string; deprecation?: boolean }) => {
        const location = w.span ? spanLocation(w.span, o.cwd) : w.stack ? stackLocation(w.stack, o.cwd) : null
        warnings.push({ text: `Sass: ${text.split('\n')[0]}`, location, notes: w.deprecation ? [{ text: 'a Sass deprecation: see https://sass-lang.com/documentation/breaking-changes/' }] : [] })
      },
      debug: () => {},
    },
  }
  try {
    // The pure-JS sass compiles synchronously about twice as fast; sass-embedded is async only.
    const r = typeof sass.compile === 'function' && !isEmbedded(sass)
      ? sass.compile(file, options)
      : await sass.compileAsync(file, options)
    const inputs = r.loadedUrls.filter((u) => u.protocol === 'file:').map((u) => fileURLToPath(u))
    return { css: r.css, map: r.sourceMap ?? null, inputs: inputs.includes(file) ? inputs : [file, ...inputs], warnings }
  } catch (err) {
    const e = err as { sassMessage?: string; span?: Span; message?: string }
    if (!e?.sassMessage) throw err
    const location = e.span ? spanLocation(e.span, o.cwd) : { file: displayPath(file, o.cwd), line: 1, column: 0 }
    throw buildError(`Sass: ${e.sassMessage}`, location, hintFor(e.sassMessage))
  }
}

function isEmbedded(sass: SassApi): boolean {
  return typeof sass.info === 'string' && /sass-embedded/i.test(sass.info)
}

function spanLocation(span: Span, cwd: string): Location | null {
  if (!span.url || span.url.protocol !== 'file:') return null
  const file = fileURLToPath(span.url)
  const line = span.context?.split('\n')[0]
  return { file: displayPath(file, cwd), line: span.start.line + 1, column: span.start.column, lineText: line }
}

/** `@warn` has no span, only a stack: "assets/_x.scss 2:3  @use" (paths relative to the process's directory, or URLs). */
function stackLocation(stack: string, cwd: string): Location | null {
  const m = /^(.+?) (\d+):(\d+) /.exec(stack.split('\n')[0] ?? '')
  if (!m) return null
  const file = m[1]!.startsWith('file:') ? fileURLToPath(m[1]!) : path.resolve(m[1]!)
  const line = Number(m[2])
  let lineText: string | undefined
  try {
    lineText = fs.readFileSync(file, 'utf8').split(/\r?\n/)[line - 1]
  } catch {
    lineText = undefined
  }
  return { file: displayPath(file, cwd), line, column: Number(m[3]) - 1, lineText }
}

function hintFor(message: string): string | undefined {
  if (/Can't find stylesheet to import/.test(message)) return 'paths are relative to the file, or a package in node_modules ("pkg/scss/file"); is the package installed?'
  return undefined
}

/**
 * Bare names and `~name` in node_modules: `pkg/scss/x` is a file Sass then completes
 * (partials, extensions, index files); `pkg` alone is its package.json `sass` or `style` file.
 */
function findInPackages(url: string, modules: string[]): URL | null {
  const spec = url.startsWith('~') ? url.slice(1) : url
  if (!spec || spec.startsWith('.') || spec.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(spec)) return null
  const parts = spec.split('/')
  const name = parts.slice(0, spec.startsWith('@') ? 2 : 1).join('/')
  for (const nm of modules) {
    const dir = path.join(nm, name)
    if (!fs.existsSync(dir)) continue
    if (spec === name) {
      const entry = packageStyleEntry(dir)
      if (entry) return pathToFileURL(entry)
    }
    return pathToFileURL(path.join(nm, spec))
  }
  return null
}

function packageStyleEntry(dir: string): string | null {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { sass?: string; style?: string }
    const entry = pkg.sass ?? pkg.style
    return entry ? path.join(dir, entry) : null
  } catch {
    return null
  }
}
