// The stylesheet pipeline, shared by CSS entries (stylesheet.ts) and CSS imported from JS
// (javascript.ts). Kiln's own steps are PostCSS plugins around the user's. The order,
// written down once:
//
//   0. preprocess   .scss/.sass (sass or sass-embedded), .less (less): CSS plus a source
//                   map that postcss carries as the previous map
//   1. @import      Kiln inlines local @imports (entries only: in CSS imported from JS,
//                   esbuild bundles them). It runs BEFORE the user's plugins, so @tailwind
//                   and @apply in partials are seen whole (as postcss-import does for
//                   Tailwind v3), unless the user's list has a plugin that inlines @import
//                   itself (postcss-import, @tailwindcss/postcss: Tailwind v4 must see
//                   `@import "tailwindcss"`): then it runs AFTER them, for what they left.
//   2. user         the project's PostCSS config (postcss.config.*, .postcssrc*,
//                   package.json#postcss), in its order; its dependency and dir-dependency
//                   messages (Tailwind's scanned sources) become inputs of the compile unit
//   3. check        Tailwind at-rules no plugin handled (@tailwind, @apply) are a warning
//   4. autoprefixer for the browserslist, unless the user's list has autoprefixer
//   5. url()        every local url() → the fingerprinted file, relative to the written
//                   stylesheet (CSS from JS: a placeholder until esbuild has written it)
//   6. esbuild      lowering for the targets, minify, source map (entries: transform; from
//                   JS: the bundle), then placeholders → relative URLs (url-placeholders.ts)
import fs from 'node:fs'
import path from 'node:path'
import postcss, { CssSyntaxError, type AcceptedPlugin, type Root } from 'postcss'
import { displayPath, KilnError, message, type Location, type Message } from '../diagnostics.js'
import { inlineImports, where } from '../css/inline-imports.js'
import { fromCssSyntaxError, parseStylesheet, readStylesheet } from '../css/parse.js'
import { checkNesting } from '../css/nesting.js'
import { rewriteUrls } from '../css/rewrite-urls.js'
import type { UrlPlaceholders } from '../css/url-placeholders.js'
import type { StaticLookup } from '../context.js'
import type { Targets } from '../targets.js'
import type { UserPostcss } from './postcss-config.js'
import { preprocess } from './preprocessors.js'

/** The CSS tools of a build: loaded the first time a stylesheet is compiled, never for scripts alone. */
export interface StyleTools {
  /** autoprefixer for the build's browserslist (targets.ts). */
  prefixer: AcceptedPlugin
  user: UserPostcss
}

export interface StyleOptions extends StyleTools {
  cwd: string
  root: string
  publicPath: string
  strict: boolean
  inlineLimit: number
  sourcemap: boolean
  targets: Targets
  statics: StaticLookup
  /** Directories never recorded as inputs (the artifact directory and the cache: they change every build). */
  ignore: string[]
  /** Where files read are hashed as they are read (sha256 by path): the unit's input records take them instead of reading again. */
  contentHashes?: Map<string, string>
}

export interface StyleRun {
  file: string
  /** Where the stylesheet is written (entries), or the file itself (CSS from JS): postcss's `to`. */
  to: string
  /** Kiln inlines @imports (entries); CSS imported from JS leaves them to esbuild. */
  inlineImports: boolean
  /** The written stylesheet's directory relative to the artifact directory, or null with placeholders. */
  outDir: string | null
  placeholders?: UrlPlaceholders
  /** Where a missing preprocessor is reported (the entry itself). */
  location: Location | null
}

/** Runs steps 0–5; returns the CSS (with an inline source map when maps are on). Every file read joins `inputs`. */
export async function runStylePipeline(run: StyleRun, o: StyleOptions, warnings: Message[], inputs: Set<string>): Promise<string> {
  const sheet = await parseSource(run, o, warnings, inputs)
  checkNesting(sheet, o.cwd)
  const errors: Message[] = []
  const kilnImports: AcceptedPlugin = {
    postcssPlugin: 'kiln-imports',
    Once: (root) => inlineImports(root, run.file, { cwd: o.cwd, root: o.root, publicPath: o.publicPath, files: inputs, hashes: o.contentHashes }),
  }
  const imports = run.inlineImports ? [kilnImports] : []
  const urls = { ...o, outDir: run.outDir, placeholders: run.placeholders, warnings, errors }
  const plugins: AcceptedPlugin[] = [
    ...(o.user.inlinesImports ? [] : imports),
    ...o.user.plugins,
    ...(o.user.inlinesImports ? imports : []),
    unprocessedTailwind(o, warnings),
    ...(o.user.prefixes ? [] : [o.prefixer]),
    { postcssPlugin: 'kiln-urls', OnceExit: (root) => rewriteUrls(root, urls) },
  ]
  const lazy = postcss(plugins).process(sheet, {
    from: run.file, to: run.to, map: o.sourcemap ? { inline: true, sourcesContent: true } : false,
    ...(o.user.stringifier ? { stringifier: o.user.stringifier as never } : {}),
  })
  let result: postcss.Result
  try {
    result = await lazy
  } catch (err) {
    throw pluginError(err, run.file, o, (lazy as unknown as { result?: { lastPlugin?: { postcssPlugin?: string } } }).result?.lastPlugin?.postcssPlugin)
  }
  if (errors.length) throw new KilnError(errors)
  for (const w of result.warnings()) {
    const file = w.node?.source?.input.file
    warnings.push({ text: w.plugin ? `${w.text} (${w.plugin})` : w.text, location: file ? { file: displayPath(file, o.cwd), line: w.line ?? 1, column: (w.column ?? 1) - 1 } : null, notes: [] })
  }
  addDependencies(result.messages, o, inputs)
  return result.css
}

/** Parses the stylesheet, compiling Sass or Less first (their map becomes postcss's previous map). */
async function parseSource(run: StyleRun, o: StyleOptions, warnings: Message[], inputs: Set<string>): Promise<Root> {
  const pre = await preprocess(run.file, { cwd: o.cwd, projectRoot: o.cwd, sourcemap: o.sourcemap }, run.location)
  const parser = o.user.parser && ('parse' in o.user.parser ? o.user.parser.parse : o.user.parser)
  if (!pre) {
    inputs.add(run.file)
    if (!parser) return parseStylesheet(run.file, o.cwd, o.contentHashes)
    return parse(parser as (css: string, opts: object) => Root, readStylesheet(run.file, o.cwd, o.contentHashes), { from: run.file }, o)
  }
  for (const f of pre.inputs) inputs.add(f)
  warnings.push(...pre.warnings)
  return parse(postcss.parse, pre.css, { from: run.file, map: pre.map ? { prev: pre.map } : undefined }, o)
}

function parse(parser: (css: string, opts: object) => Root, css: string, opts: object, o: StyleOptions): Root {
  try {
    return parser(css, opts)
  } catch (err) {
    throw fromCssSyntaxError(err, o.cwd)
  }
}

const TAILWIND_AT_RULES = new Set(['tailwind', 'apply'])

/** Tailwind's at-rules left in the output mean no plugin ran for them: the page would silently lack every utility. */
function unprocessedTailwind(o: StyleOptions, warnings: Message[]): AcceptedPlugin {
  return {
    postcssPlugin: 'kiln-check',
    OnceExit(root) {
      let found: postcss.AtRule | undefined
      root.walkAtRules((rule) => {
        if (!found && TAILWIND_AT_RULES.has(rule.name.toLowerCase())) found = rule
      })
      if (!found) return
      const hint = !o.user.file
        ? 'Tailwind runs as a PostCSS plugin: add postcss.config.mjs with export default { plugins: { "@tailwindcss/postcss": {} } } (Tailwind v4) or { tailwindcss: {} } (v3)'
        : `no plugin in ${o.user.file ? displayPath(o.user.file, o.cwd) : 'the PostCSS config'} handled it; is Tailwind's PostCSS plugin listed?`
      warnings.push(message(`@${found.name} is Tailwind CSS syntax, but no PostCSS plugin processed it; it is left in the stylesheet`, where(found, o), hint))
    },
  }
}

interface DependencyMessage {
  type: string
  file?: string
  dir?: string
}

/** PostCSS `dependency` (a file) and `dir-dependency` (a directory whose new files matter: it and its subdirectories, by mtime). */
function addDependencies(messages: DependencyMessage[], o: StyleOptions, inputs: Set<string>) {
  const ignored = (p: string) => o.ignore.some((d) => p === d || p.startsWith(d + path.sep))
  for (const m of messages) {
    if (m.type === 'dependency' && typeof m.file === 'string' && path.isAbsolute(m.file) && !ignored(m.file)) inputs.add(m.file)
    else if (m.type === 'dir-dependency' && typeof m.dir === 'string' && path.isAbsolute(m.dir) && !ignored(m.dir)) addDirs(m.dir, ignored, inputs)
  }
}

const MAX_DIRS = 10_000

function addDirs(dir: string, ignored: (p: string) => boolean, inputs: Set<string>) {
  const stack = [dir]
  for (let n = 0; stack.length && n < MAX_DIRS; n++) {
    const d = stack.pop()!
    if (inputs.has(d)) continue
    // The cache compares a directory's size, mtime and inode: a file added or removed changes its mtime.
    inputs.add(d)
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(d, { withFileTypes: true })
    } catch {
      continue
    }
    for (const e of entries) {
      if (!e.isDirectory() || e.name === 'node_modules' || e.name.startsWith('.')) continue
      const sub = path.join(d, e.name)
      if (!ignored(sub)) stack.push(sub)
    }
  }
}

/** A plugin that threw: its name, the file and the node it was working on when postcss knows it. */
function pluginError(err: unknown, file: string, o: StyleOptions, plugin: string | undefined): unknown {
  if (err instanceof KilnError) return err
  if (err instanceof CssSyntaxError) {
    const e = fromCssSyntaxError(err, o.cwd)
    if (e instanceof KilnError && err.plugin && !e.errors[0]!.text.includes(err.plugin)) e.errors[0]!.text += ` (${err.plugin})`
    return e
  }
  const e = err as Error & { postcssNode?: postcss.Node }
  const text = e?.message ?? String(err)
  const location = (e?.postcssNode && where(e.postcssNode, o)) || { file: displayPath(file, o.cwd), line: 1, column: 0 }
  const from = o.user.file ? ` (from ${displayPath(o.user.file, o.cwd)})` : ''
  return new KilnError([message(`PostCSS plugin${plugin ? ` "${plugin}"` : ''} failed: ${text.split('\n')[0]}`, location, `the plugin is in your PostCSS config${from}`)])
}
