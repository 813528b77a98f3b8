// JS/TS entries: one esbuild build with code splitting. esbuild's own [hash] fingerprints
// chunks (it covers the chunk's bytes, its source map and the chunks it imports). Imported
// static files resolve to their fingerprinted URLs through the Statics table, so a file is
// never emitted twice under two different hashes.
import fs from 'node:fs'
import path from 'node:path'
import * as esbuild from 'esbuild'
import postcss from 'postcss'
import { KilnError, message, type Message } from '../diagnostics.js'
import { fromCssSyntaxError } from '../css/parse.js'
import { localReference } from '../css/references.js'
import { encodePath } from '../runtime/url-path.js'
import type { SourceFile } from '../discover.js'
import type { StaticLookup } from '../statics.js'
import type { BuildSession } from '../session.js'
import type { Targets } from '../targets.js'
import { esbuildFailure, fromEsbuild } from './esbuild-messages.js'
import type { CompiledEntry, CompileResult } from './types.js'

export interface ScriptOptions {
  cwd: string
  root: string
  outDir: string
  publicPath: string
  minify: boolean
  sourcemap: boolean
  targets: Targets
  statics: StaticLookup
}

/** Files a script may import as a URL. Anything else that is not JS, CSS or JSON is an esbuild error. */
const STATIC_EXTENSIONS = 'png|jpe?g|gif|svg|webp|avif|ico|bmp|cur|woff2?|ttf|otf|eot|wasm|pdf|mp4|webm|mp3|ogg|wav|txt|md|csv|xml|html?|webmanifest'
const STATIC_IMPORT = new RegExp(`\\.(${STATIC_EXTENSIONS})$`, 'i')
const STATIC_URL = new RegExp(`\\.(${STATIC_EXTENSIONS})([?#].*)?$`, 'i')

export async function compileScripts(entries: SourceFile[], o: ScriptOptions, warnings: Message[], session?: BuildSession): Promise<CompileResult & { incremental: boolean }> {
  if (entries.length === 0) return { entries: [], files: [], inputs: [], incremental: false }
  let result: esbuild.BuildResult<{ metafile: true; write: false }>
  let incremental = false
  try {
    if (session) {
      // kiln watch: one esbuild context across rebuilds, as long as the options stay the same.
      const key = JSON.stringify([entries.map((e) => e.abs), o.cwd, o.outDir, o.root, o.minify, o.sourcemap, o.targets.esbuild, o.targets.queries, o.publicPath])
      if (session.scripts?.key !== key) {
        await session.dispose()
        const statics = { current: o.statics }
        session.scripts = { key, statics, context: await esbuild.context(buildOptions(entries, o, () => statics.current)) }
      } else incremental = true
      session.scripts!.statics.current = o.statics
      result = await session.scripts!.context.rebuild()
    } else {
      result = await esbuild.build(buildOptions(entries, o, () => o.statics))
    }
  } catch (err) {
    const failure = esbuildFailure(err)
    if (failure) throw new KilnError(failure.map((m) => fromEsbuild(m, o.cwd, o.root)), (err as esbuild.BuildFailure).warnings.map((m) => fromEsbuild(m, o.cwd, o.root)))
    throw err
  }
  for (const w of result.warnings) warnings.push(fromEsbuild(w, o.cwd, o.root))
  return { ...collect(result, entries, o), incremental }
}

function buildOptions(entries: SourceFile[], o: ScriptOptions, statics: () => StaticLookup): esbuild.BuildOptions & { metafile: true; write: false } {
  return {
    absWorkingDir: o.cwd,
    entryPoints: entries.map((e) => e.abs),
    outdir: o.outDir,
    outbase: o.root,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    minify: o.minify,
    sourcemap: o.sourcemap ? 'linked' : false,
    target: o.targets.esbuild,
    entryNames: '[dir]/[name]-[hash]',
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    write: false,
    logLevel: 'silent',
    plugins: [kilnPlugin(o, statics)],
  }
}

/** Turns esbuild's metafile into manifest entries: each entry's static closure, lazy chunks and CSS. */
function collect(result: esbuild.BuildResult<{ metafile: true; write: false }>, entries: SourceFile[], o: ScriptOptions): CompileResult {
  const rel = (p: string) => path.relative(o.outDir, path.resolve(o.cwd, p)).split(path.sep).join('/')
  const outputs = result.metafile.outputs
  const byEntry = new Map<string, string>()
  for (const [out, meta] of Object.entries(outputs)) if (meta.entryPoint) byEntry.set(path.resolve(o.cwd, meta.entryPoint), out)
  const compiled: CompiledEntry[] = entries.map((entry) => {
    const out = byEntry.get(entry.abs)!
    const seen = new Set<string>([out])
    const imports: string[] = []
    const dynamic = new Set<string>()
    const css = new Set<string>()
    const visit = (chunk: string) => {
      const meta = outputs[chunk]!
      if (meta.cssBundle) css.add(rel(meta.cssBundle))
      for (const imp of meta.imports) {
        if (imp.external) continue
        if (imp.kind === 'dynamic-import') dynamic.add(rel(imp.path))
        else if (imp.kind === 'import-statement' && !seen.has(imp.path)) {
          seen.add(imp.path)
          imports.push(rel(imp.path))
          visit(imp.path)
        }
      }
    }
    visit(out)
    const c: CompiledEntry = { logical: entry.logical, file: rel(out) }
    if (o.sourcemap && outputs[`${out}.map`]) c.map = rel(`${out}.map`)
    if (css.size) c.css = [...css]
    if (imports.length) c.imports = imports
    if (dynamic.size) c.dynamicImports = [...dynamic]
    return c
  })
  const files = result.outputFiles.map((f) => ({ file: path.relative(o.outDir, f.path).split(path.sep).join('/'), bytes: Buffer.from(f.contents) }))
  // Inputs in a plugin namespace ("ns:path") are virtual; the rest are files under cwd.
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !/^[a-z-]+:/.test(p)).map((p) => path.resolve(o.cwd, p))
  return { entries: compiled, files, inputs }
}

function kilnPlugin(o: ScriptOptions, statics: () => StaticLookup): esbuild.Plugin {
  const url = (file: string) => o.publicPath + encodePath(file)
  return {
    name: 'kiln',
    setup(build) {
      // `import logo from './logo.svg'` → the fingerprinted URL under the public path.
      build.onLoad({ filter: STATIC_IMPORT }, async (args) => {
        const asset = await statics().lookup(args.path)
        if (!asset) return undefined
        return { contents: `export default ${JSON.stringify(url(asset.file))}`, loader: 'js' }
      })
      // url() inside CSS imported from JS: point at the same fingerprinted static file.
      build.onResolve({ filter: STATIC_URL }, async (args) => {
        if (args.kind !== 'url-token') return undefined
        const ref = localReference(args.path)
        if (!ref) return { path: args.path, external: true }
        const abs = path.resolve(args.resolveDir, ref.pathname)
        const asset = await statics().lookup(abs)
        if (!asset) return undefined
        return { path: url(asset.file) + ref.suffix, external: true }
      })
      // CSS imported from JS gets the same autoprefixing as CSS entries.
      build.onLoad({ filter: /\.css$/ }, async (args) => {
        const text = await fs.promises.readFile(args.path, 'utf8')
        try {
          const r = await postcss([o.targets.autoprefixer]).process(text, { from: args.path, to: args.path, map: { inline: true, sourcesContent: true } })
          return { contents: r.css, loader: 'css' }
        } catch (err) {
          const e = fromCssSyntaxError(err, o.cwd)
          if (!(e instanceof KilnError)) throw err
          const m = e.errors[0] ?? message('CSS error')
          return { errors: [{ text: m.text, location: m.location ? { file: args.path, line: m.location.line, column: m.location.column, lineText: m.location.lineText } : null }] }
        }
      })
    },
  }
}
