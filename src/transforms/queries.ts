// Vite's import queries, so code written for Vite builds unchanged:
//   ?url           the file's fingerprinted URL, relative to the chunk (asset-url.ts); a
//                  stylesheet is compiled first; plain .js is copied as written (worklets)
//   ?raw           the file's text, as a string
//   ?inline        a stylesheet: the compiled CSS as a string (its url()s absolute at run
//                  time, from import.meta.url); any other file: a base64 data: URL
//   ?worker, ?sharedworker   a constructor of the bundled worker (classic, as Vite's default)
//   ?worker&url, ?sharedworker&url   the bundled worker's URL
// Any other query on an import is an error at the import's file:line:col, never a file
// loaded without it. A file whose name really contains "?" is imported as that file.
import fs from 'node:fs'
import path from 'node:path'
import type * as esbuild from 'esbuild'
import { PLACEHOLDER_PATH } from '../css/url-placeholders.js'
import { mimeType } from '../runtime/mime.js'
import { displayName, fileUrl, isStylesheet, SCRIPT_EXT, urlModule } from './asset-url.js'
import { NestedFailure, PLUGIN_PREFIX, type TransformRun } from './run.js'
import { buildWorker } from './workers.js'

type Kind = 'url' | 'raw' | 'inline' | 'worker' | 'sharedworker' | 'worker-url' | 'sharedworker-url'

const QUERIES: Record<string, Kind> = {
  '?url': 'url', '?raw': 'raw', '?inline': 'inline', '?worker': 'worker', '?sharedworker': 'sharedworker',
  '?worker&url': 'worker-url', '?sharedworker&url': 'sharedworker-url',
}

export const SUPPORTED_QUERIES = 'Kiln supports ?url (the fingerprinted URL), ?raw (the text), ?inline (CSS as text, any other file as a data: URL), ?worker and ?sharedworker (a worker constructor), ?worker&url'

export function queryKind(query: string): Kind | null {
  return QUERIES[query] ?? null
}

const NAMESPACE = 'kiln-query'
const SKIP = Symbol('kiln-query-resolving')
const JS_KINDS = new Set<esbuild.ImportKind>(['import-statement', 'dynamic-import', 'require-call', 'require-resolve'])

export function queriesPlugin(run: TransformRun, ancestry: string[]): esbuild.Plugin {
  return {
    name: `${PLUGIN_PREFIX}queries`,
    setup(build) {
      build.onResolve({ filter: /\?/ }, async (args) => {
        if (!JS_KINDS.has(args.kind) || args.pluginData === SKIP) return undefined
        const spec = args.path
        if (/^[a-z][a-z0-9+.-]*:/i.test(spec)) return undefined
        if (args.resolveDir && (spec.startsWith('.') || spec.startsWith('/')) && fs.existsSync(path.resolve(args.resolveDir, spec))) return undefined
        const cut = spec.indexOf('?')
        const bare = spec.slice(0, cut)
        const query = spec.slice(cut)
        const kind = queryKind(query)
        if (!kind) return { errors: [{ text: `Unsupported import query "${query}" in "${spec}"`, notes: [{ text: SUPPORTED_QUERIES }] }] }
        const r = await build.resolve(bare, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, namespace: args.namespace, pluginData: SKIP })
        if (r.errors.length) return { errors: r.errors.map((e) => ({ ...e, text: e.text.replace(JSON.stringify(bare), JSON.stringify(spec)) })), warnings: r.warnings }
        if (r.external || r.namespace !== 'file') return { errors: [{ text: `"${spec}": Kiln applies ${query} only to files` }] }
        const script = SCRIPT_EXT.test(r.path)
        const worker = kind.includes('worker')
        if (worker && !script) return { errors: [{ text: `"${spec}": ${displayName(run, r.path)} is not a script` }] }
        if ((kind === 'inline' || kind === 'url') && script && !(kind === 'url' && /\.[cm]?js$/i.test(r.path))) {
          return { errors: [{ text: `"${spec}": ${kind === 'url' ? 'a URL to TypeScript or JSX would serve its source, which a browser cannot run' : `${query} of a script is not supported`}`,
            notes: [{ text: "for a worker, import it with ?worker or write new Worker(new URL('./file.ts', import.meta.url), { type: 'module' }); for a lazy module, use import()" }] }] }
        }
        return { path: `${path.relative(run.ctx.workDir, r.path).split(path.sep).join('/')}${query}`, namespace: NAMESPACE }
      })
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, async (args) => {
        const cut = args.path.lastIndexOf('?')
        const abs = path.resolve(run.ctx.workDir, args.path.slice(0, cut))
        const kind = queryKind(args.path.slice(cut))!
        try {
          return await load(run, ancestry, abs, kind, `${NAMESPACE}:${args.path}`)
        } catch (err) {
          if (!(err instanceof NestedFailure)) throw err
          return { errors: err.errors, warnings: err.warnings }
        }
      })
    },
  }
}

async function load(run: TransformRun, ancestry: string[], abs: string, kind: Kind, key: string): Promise<esbuild.OnLoadResult> {
  const resolveDir = path.dirname(abs)
  if (kind === 'raw') {
    run.ctx.addInput(abs)
    return { contents: await fs.promises.readFile(abs), loader: 'text', resolveDir }
  }
  if (kind === 'url') {
    const r = await fileUrl(run, abs, ancestry, true)
    if ('problem' in r) return { errors: [{ text: r.problem === 'missing' ? `${displayName(run, abs)} is missing` : r.problem, notes: r.hint ? [{ text: r.hint }] : [] }] }
    return { contents: urlModule(run.ctx.placeholders.for(r.file, '')), loader: 'js', resolveDir }
  }
  if (kind === 'inline') {
    if (isStylesheet(abs)) {
      const css = await run.nested(abs, ancestry, { sourcemap: false }, false)
      const out = css.outputs.find((f) => f.path.endsWith('.css'))
      return { contents: cssModule(out ? out.text : ''), loader: 'js', resolveDir, warnings: css.warnings }
    }
    run.ctx.addInput(abs)
    const bytes = await fs.promises.readFile(abs)
    return { contents: `export default ${JSON.stringify(`data:${mimeType(abs)};base64,${bytes.toString('base64')}`)}\n`, loader: 'js', resolveDir }
  }
  const shared = kind.startsWith('shared')
  const built = await buildWorker(run, abs, 'iife', ancestry)
  const placeholder = JSON.stringify(run.ctx.placeholders.for(built.entry, ''))
  // The graph edge goes from this module (its metafile key): whichever chunk it ends up in starts the worker.
  run.edge(key, built.entry)
  if (kind.endsWith('-url')) return { contents: urlModule(JSON.parse(placeholder)), loader: 'js', resolveDir, warnings: built.warnings }
  const ctor = shared ? 'SharedWorker' : 'Worker'
  return {
    contents: `export default function ${ctor}Wrapper(options) {\n  return new ${ctor}(new URL(${placeholder}, import.meta.url), { name: options?.name })\n}\n`,
    loader: 'js', resolveDir, warnings: built.warnings,
  }
}

/** CSS text as a JS string; each url() placeholder becomes an absolute URL computed from import.meta.url when the code runs. */
function cssModule(css: string): string {
  const text = css.replace(/\n?\/\*# sourceMappingURL=[^*]*\*\/\s*$/, '').replace(/\n$/, '')
  const placeholder = new RegExp(`${PLACEHOLDER_PATH.source.replace(/^\^/, '')}[0-9a-f]{16}`, 'g')
  const parts: string[] = []
  let last = 0
  for (const m of text.matchAll(placeholder)) {
    parts.push(JSON.stringify(text.slice(last, m.index)), `new URL(${JSON.stringify(m[0])}, import.meta.url).href`)
    last = m.index! + m[0].length
  }
  parts.push(JSON.stringify(text.slice(last)))
  return `export default ${parts.join(' + ')}\n`
}
