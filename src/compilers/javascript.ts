// JS/TS entries: one esbuild build with code splitting. esbuild's own [hash] fingerprints
// chunks (it covers the chunk's bytes, its source map and the chunks it imports). Imported
// static files resolve to their fingerprinted URLs through the Statics table, so a file is
// never emitted twice under two different hashes.
import fs from 'node:fs'
import path from 'node:path'
import * as esbuild from 'esbuild'
import { buildError, KilnError, type Message } from '../diagnostics.js'
import { realPath } from '../walk.js'
import { localReference } from '../css/references.js'
import { PLACEHOLDER_PATH, UrlPlaceholders } from '../css/url-placeholders.js'
import type { SourceFile } from '../discover.js'
import type { BuildSession, StaticLookup } from '../context.js'
import { esbuildFailure, fromEsbuild } from './esbuild-messages.js'
import { findPeer, missingPeer, PREPROCESSORS, STYLE_EXTS, UNSUPPORTED } from './preprocessors.js'
import type { StyleOptions, StyleTools } from './style-pipeline.js'
import type { CompiledEntry, CompileResult, EmittedFile } from './types.js'
import type { ScriptSettings } from '../transforms/scripts.js'
import { wrapUserPlugins } from '../transforms/user-plugins.js'
import { transformPlugins, urlModule } from '../transforms/asset-transforms.js'
import { modulesOf, sourceName } from './metafile-modules.js'
import { scanImportMeta } from '../transforms/import-meta-scan.js'

export interface ScriptOptions extends Omit<StyleOptions, keyof StyleTools> {
  outDir: string
  minify: boolean
  /** Mode, env, define, JSX and the config's esbuild plugins (transforms/scripts.ts). */
  scripts: ScriptSettings
  /** The project's PostCSS config file, found without loading it (postcss-config.ts), or null. */
  postcssConfig: string | null
  /** The CSS tools, loaded once per build by the first stylesheet a script imports: a build of scripts alone never loads postcss. */
  styleTools: () => Promise<StyleTools>
  /** Every script the walk of the root listed (absolute): read for import.meta before a one-off build (import-meta-scan.ts). */
  listedScripts?: string[]
}

/** Stylesheets a script may import; `.module.*` ones are CSS Modules (esbuild's local-css loader). */
const STYLE_FILE = new RegExp(`(${STYLE_EXTS.map((e) => e.replace('.', '\\.')).join('|')})$`, 'i')
const MODULE_STYLE = /\.module\.[a-z]+$/i
const PREPROCESSED = new RegExp(`(${Object.keys(PREPROCESSORS).map((e) => e.replace('.', '\\.')).join('|')})$`, 'i')
const UNSUPPORTED_STYLE = new RegExp(`(${Object.keys(UNSUPPORTED).map((e) => e.replace('.', '\\.')).join('|')})$`, 'i')

/** What the plugin learns during one build: files read that esbuild's metafile does not list (Sass partials, Tailwind's sources). */
interface PluginState {
  inputs: Set<string>
  /** url()s in CSS: resolved per written stylesheet once the bundle is written. */
  placeholders: UrlPlaceholders
  /** This build's CSS tools (a kept context's plugin is handed each build's, as it is the statics). */
  styleTools: () => Promise<StyleTools>
}

/** The state of a kept esbuild context's plugin (kiln watch), by context. */
const states = new WeakMap<object, PluginState>()

/** Files a script may import as a URL. Anything else that is not JS, CSS or JSON is an esbuild error. */
const STATIC_EXTENSIONS = 'png|jpe?g|gif|svg|webp|avif|ico|bmp|cur|woff2?|ttf|otf|eot|wasm|pdf|mp4|webm|mp3|ogg|wav|txt|md|csv|xml|html?|webmanifest'
const STATIC_IMPORT = new RegExp(`\\.(${STATIC_EXTENSIONS})$`, 'i')
const STATIC_URL = new RegExp(`\\.(${STATIC_EXTENSIONS})([?#].*)?$`, 'i')

export async function compileScripts(entries: SourceFile[], o: ScriptOptions, warnings: Message[], session?: BuildSession): Promise<CompileResult & { incremental: boolean }> {
  if (entries.length === 0) return { entries: [], files: [], inputs: [], incremental: false }
  let result: esbuild.BuildResult<{ metafile: true; write: false }>
  let incremental = false
  let state: PluginState = { inputs: new Set(), placeholders: new UrlPlaceholders(), styleTools: o.styleTools }
  try {
    if (session) {
      // kiln watch: one esbuild context across rebuilds, as long as the options stay the same.
      // A changed PostCSS config (its plugins are captured by the context's plugin) needs a new context too.
      const key = JSON.stringify([entries.map((e) => e.abs), o.cwd, o.outDir, o.root, o.minify, o.sourcemap, o.targets.esbuild, o.targets.queries, o.publicPath,
        o.strict, o.inlineLimit, o.postcssConfig, o.postcssConfig ? userConfigStamp(o) : null, o.scripts.key])
      if (session.scripts?.key !== key) {
        await session.dispose()
        const statics = { current: o.statics }
        const state: PluginState = { inputs: new Set(), placeholders: new UrlPlaceholders(), styleTools: o.styleTools }
        const context = await esbuild.context(buildOptions(entries, o, () => statics.current, state))
        states.set(context, state)
        session.scripts = { key, statics, context }
      } else incremental = true
      session.scripts!.statics.current = o.statics
      states.get(session.scripts!.context)!.styleTools = o.styleTools
      result = await session.scripts!.context.rebuild()
      state = states.get(session.scripts!.context)!
    } else {
      // One build: the app's scripts were read for import.meta first, so esbuild waits on JS only for those that use it.
      const scan = o.listedScripts ? scanImportMeta(o.listedScripts, o.root, o.ignore, o.contentHashes) : null
      result = await esbuild.build(buildOptions(entries, o, () => o.statics, state, scan?.filter))
      // A script under the root that the walk did not list (made since) was passed over unread: build again, reading every script.
      if (scan && Object.keys(result.metafile.inputs).some((p) => scan.missed(path.resolve(o.root, p)))) {
        state = { inputs: new Set(), placeholders: new UrlPlaceholders(), styleTools: o.styleTools }
        result = await esbuild.build(buildOptions(entries, o, () => o.statics, state))
      }
    }
  } catch (err) {
    const failure = esbuildFailure(err)
    if (failure) throw new KilnError(failure.map((m) => fromEsbuild(m, o.cwd, o.root, o.root)), (err as esbuild.BuildFailure).warnings.map((m) => fromEsbuild(m, o.cwd, o.root, o.root)))
    throw err
  }
  for (const w of result.warnings) warnings.push(fromEsbuild(w, o.cwd, o.root, o.root))
  const collected = collect(result, entries, o, state)
  return { ...collected, inputs: [...new Set([...collected.inputs, ...state.inputs])], incremental }
}

/** The user's PostCSS config as of now (kiln watch: an edit means new plugins, so a new context). */
function userConfigStamp(o: ScriptOptions): string {
  try {
    const s = fs.statSync(o.postcssConfig!)
    return `${s.size}:${s.mtimeMs}`
  } catch {
    return ''
  }
}

function buildOptions(entries: SourceFile[], o: ScriptOptions, statics: () => StaticLookup, state: PluginState, importMetaFilter?: RegExp): esbuild.BuildOptions & { metafile: true; write: false } {
  return {
    // Paths esbuild prints into the output (comments, names in the [hash]) are relative to its working directory:
    // the source root, so the same sources give the same bytes from any working directory.
    absWorkingDir: o.root,
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
    // process.env.NODE_ENV and import.meta.env by the mode (never esbuild's minify-dependent default), then the config's define.
    define: o.scripts.define,
    // The automatic runtime unless the tsconfig/jsconfig says "jsx": "react"; its jsxImportSource (Preact) is esbuild's to read.
    ...o.scripts.jsx,
    // The order plugins run in (esbuild asks each onResolve/onLoad in turn; the first answer wins):
    //  1. Kiln's import queries and import.meta transforms (transforms/): their syntax means what Kiln says.
    //  2. The config's esbuild.plugins, in the config's order: they may claim any file (.svelte, .svg) before Kiln.
    //  3. Kiln: static files imported as URLs, stylesheets through Kiln's pipeline, Sass/Less peers, url() placeholders.
    //  4. Kiln's last resort (transforms/scripts.ts): React's production JSX runtime for a tsconfig's "react-jsxdev";
    //     in a "type": "commonjs" package, the app's own files resolved past the package type (transforms/module-type.ts).
    plugins: [
      ...transformPlugins({
        cwd: o.cwd, workDir: o.root, root: o.root, outDir: o.outDir, statics, placeholders: state.placeholders, addInput: (file) => state.inputs.add(file), importMetaFilter,
        // A nested build (a worker, a stylesheet by ?url/?inline) gets its own Kiln plugin: this one's onStart would clear `state`.
        kilnPlugin: () => {
          const nested: PluginState = { inputs: new Set(), placeholders: state.placeholders, styleTools: () => state.styleTools() }
          return { plugin: kilnPlugin(o, statics, nested), inputs: nested.inputs }
        },
      }),
      ...wrapUserPlugins(o.scripts.plugins, () => state.inputs, o.scripts.configFile),
      kilnPlugin(o, statics, state),
      ...o.scripts.after,
    ],
  }
}

/** Turns esbuild's metafile into manifest entries: each entry's static closure, lazy chunks and CSS. */
function collect(result: esbuild.BuildResult<{ metafile: true; write: false }>, entries: SourceFile[], o: ScriptOptions, state: PluginState): CompileResult {
  // The metafile's paths are relative to esbuild's working directory, the root.
  const rel = (p: string) => path.relative(o.outDir, path.resolve(o.root, p)).split(path.sep).join('/')
  const outputs = result.metafile.outputs
  const outputOf = entryOutputs(outputs, (p) => path.resolve(o.root, p), o.outDir)
  const compiled: CompiledEntry[] = entries.map((entry) => {
    const out = outputOf(entry)
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
    c.modules = modulesOf(outputs, out, rel, (p) => sourceName(o.root, o.cwd, p))
    return c
  })
  const files = resolveUrls(result.outputFiles.map((f) => ({ file: path.relative(o.outDir, f.path).split(path.sep).join('/'), bytes: Buffer.from(f.contents) })), state.placeholders)
  // Inputs in a plugin namespace ("ns:path") are virtual; the rest are files (relative to the root).
  const inputs = Object.keys(result.metafile.inputs).filter((p) => !/^[a-z-]+:/.test(p)).map((p) => path.resolve(o.root, p))
  return { entries: compiled, files, inputs }
}

/**
 * The script output of each entry. esbuild names an output after the path it was given (a
 * link's name) but reports the entry point it resolved (the link's target), so two entries
 * may share one: the output named after the entry is its own.
 */
function entryOutputs(outputs: esbuild.Metafile['outputs'], resolve: (p: string) => string, outDir: string): (entry: SourceFile) => string {
  const byEntry = new Map<string, string[]>()
  for (const [out, meta] of Object.entries(outputs)) {
    if (!meta.entryPoint || !out.endsWith('.js')) continue
    const key = resolve(meta.entryPoint)
    byEntry.set(key, [...(byEntry.get(key) ?? []), out])
  }
  return (entry) => {
    const outs = byEntry.get(realPath(entry.abs)) ?? []
    const stem = entry.logical.slice(0, entry.logical.length - path.posix.extname(entry.logical).length)
    const out = outs.find((f) => path.relative(outDir, resolve(f)).split(path.sep).join('/').startsWith(`${stem}-`)) ?? outs[0]
    if (out === undefined) throw buildError(`esbuild wrote no output for ${entry.logical}`, null, 'this is a bug in Kiln; please report it with the entry\'s path')
    return out
  }
}

/** Each written stylesheet's url() placeholders → paths relative to it; its map's columns follow. */
function resolveUrls(files: EmittedFile[], placeholders: UrlPlaceholders): EmittedFile[] {
  const byName = new Map(files.map((f) => [f.file, f]))
  const done = new Map<string, Buffer>()
  for (const f of files) {
    if (!f.file.endsWith('.css')) continue
    const mapFile = byName.get(`${f.file}.map`)
    const r = placeholders.resolve(f.file, f.bytes.toString('utf8'), mapFile ? mapFile.bytes.toString('utf8') : null)
    done.set(f.file, Buffer.from(r.css))
    if (mapFile && r.map !== null) done.set(mapFile.file, Buffer.from(r.map))
  }
  return files.map((f) => (done.has(f.file) ? { file: f.file, bytes: done.get(f.file)! } : f))
}

function kilnPlugin(o: ScriptOptions, statics: () => StaticLookup, state: PluginState): esbuild.Plugin {
  return {
    name: 'kiln',
    setup(build) {
      build.onStart(() => {
        state.inputs.clear()
      })
      // `import logo from './logo.svg'` → the fingerprinted file relative to the chunk the code ends up in,
      // `new URL('images/logo-X.svg', import.meta.url).href` once written (transforms/outputs.ts): any prefix or host works.
      build.onLoad({ filter: STATIC_IMPORT }, async (args) => {
        const asset = await statics().lookup(args.path)
        if (!asset) return undefined
        return { contents: urlModule(state.placeholders.for(asset.file, '')), loader: 'js' }
      })
      // Placeholders written by Kiln's url() step (style-pipeline.ts) stay as they are until the bundle is written.
      build.onResolve({ filter: PLACEHOLDER_PATH }, (args) => (args.kind === 'url-token' ? { path: args.path, external: true } : undefined))
      // A url() the pipeline did not rewrite (outside a declaration): the same fingerprinted file, through a placeholder.
      build.onResolve({ filter: STATIC_URL }, async (args) => {
        if (args.kind !== 'url-token') return undefined
        const ref = localReference(args.path)
        if (!ref) return { path: args.path, external: true }
        const abs = path.resolve(args.resolveDir, ref.pathname)
        const asset = await statics().lookup(abs)
        if (!asset) return undefined
        return { path: state.placeholders.for(asset.file, ref.suffix), external: true }
      })
      // Sass and Less need their optional peer: a missing one is an error at the import.
      build.onResolve({ filter: PREPROCESSED }, (args) => {
        if (args.kind === 'entry-point' || args.pluginData === 'kiln-checked') return undefined
        const p = PREPROCESSORS[path.extname(args.path).toLowerCase()]!
        if (findPeer(p, o.cwd)) return undefined
        return { errors: [toPartial(missingPeer(p, args.path, null).errors[0]!, o.cwd)] }
      })
      build.onResolve({ filter: UNSUPPORTED_STYLE }, (args) => ({
        errors: [{ text: `Kiln cannot build ${path.basename(args.path)}: ${UNSUPPORTED[path.extname(args.path).toLowerCase()]} is not supported`,
          notes: [{ text: 'compile it to CSS first, or rewrite it as .scss, .less or .css' }] }],
      }))
      // Stylesheets imported from JS go through the same pipeline as CSS entries (style-pipeline.ts), except @import, which esbuild bundles.
      build.onLoad({ filter: STYLE_FILE, namespace: 'file' }, async (args) => {
        const warnings: Message[] = []
        try {
          const [{ runStylePipeline }, tools] = await Promise.all([import('./style-pipeline.js'), state.styleTools()])
          const css = await runStylePipeline({ file: args.path, to: args.path, inlineImports: false, outDir: null, placeholders: state.placeholders, location: null },
            { ...o, ...tools, statics: statics() }, warnings, state.inputs)
          return { contents: css, loader: MODULE_STYLE.test(args.path) ? 'local-css' : 'css', resolveDir: path.dirname(args.path), warnings: warnings.map((w) => toPartial(w, o.cwd)) }
        } catch (err) {
          if (!(err instanceof KilnError)) throw err
          return { errors: err.errors.map((e) => toPartial(e, o.cwd)), warnings: warnings.map((w) => toPartial(w, o.cwd)) }
        }
      })
    },
  }
}

/**
 * A Kiln message as esbuild takes it from a plugin (esbuild reports it, and fromEsbuild turns it back).
 * Its file becomes absolute: a relative one would be read as relative to esbuild's working directory.
 */
function toPartial(m: Message, cwd: string): esbuild.PartialMessage {
  const loc = (l: Message['location']) => (l ? { file: path.resolve(cwd, l.file), line: l.line, column: l.column, lineText: l.lineText } : null)
  return { text: m.text, location: loc(m.location), notes: m.notes.map((n) => ({ text: n.text, location: loc(n.location ?? null) })) }
}
