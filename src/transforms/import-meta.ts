// The transforms that rewrite a script's own source, in one onLoad per file (esbuild keeps
// only the first onLoad that returns contents, so they share it): a file that mentions
// import.meta is parsed once (parse.ts) and each use found in the AST goes to its job:
//   new Worker(new URL(…, import.meta.url), …), new SharedWorker(…)  → workers.ts
//   new URL(…, import.meta.url)                                      → url-assets.ts
//   import.meta.glob(…)                                              → glob.ts
// The rewritten source carries a source map back to the original, which esbuild composes,
// so written maps still point at the original line and column.
import fs from 'node:fs'
import path from 'node:path'
import * as esbuild from 'esbuild'
import { Job } from './job.js'
import { loadEsmOnly } from './esm-only.js'
import { glob } from './glob.js'
import { importMetaProperty, importMetaUrlArgument, mentionsImportMeta, parseScript, walk, type Node } from './parse.js'
import { PLUGIN_PREFIX, type TransformRun } from './run.js'
import { urlAsset } from './url-assets.js'
import { worker } from './workers.js'

const LOADERS: Record<string, esbuild.Loader> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.jsx': 'jsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js' }

export function importMetaPlugin(run: TransformRun, ancestry: string[]): esbuild.Plugin {
  return {
    name: `${PLUGIN_PREFIX}import-meta`,
    setup(build) {
      build.onLoad({ filter: run.ctx.importMetaFilter ?? /\.[cm]?[jt]sx?$/, namespace: 'file' }, async (args) => {
        if (args.suffix) return undefined
        // Every script passes through here: a synchronous read and a byte search first (measured:
        // fs.promises.readFile for each of 1,500 modules cost a third more CPU than the whole build).
        const bytes = fs.readFileSync(args.path)
        if (bytes.indexOf('meta') < 0) return undefined
        const text = bytes.toString('utf8')
        if (!mentionsImportMeta(text)) return undefined
        const { parsers, MagicString } = await loadEsmOnly()
        let ast: Node
        try {
          ast = parseScript(text, args.path, parsers)
        } catch (err) {
          return unparsable(args.path, text, err as SyntaxError & { pos?: number }, build)
        }
        const job = new Job(run, args.path, text, ancestry, MagicString)
        const work: Promise<void>[] = []
        walk(ast, (node) => {
          if (node.type === 'NewExpression') {
            const callee = node.callee as Node & { name?: string }
            const first = (node.arguments as Node[])[0]
            const url = first && importMetaUrlArgument(first)
            if (callee.type === 'Identifier' && (callee.name === 'Worker' || callee.name === 'SharedWorker') && url) {
              work.push(worker(job, node, callee.name, url))
              return false
            }
            const arg = importMetaUrlArgument(node)
            if (arg) {
              work.push(urlAsset(job, arg))
              return false
            }
          }
          if (node.type === 'CallExpression' && importMetaProperty(node.callee as Node) === 'glob') {
            glob(job, node)
            return false
          }
          if (node.type === 'MemberExpression') {
            const name = importMetaProperty(node)
            if (name === 'glob') job.error(node, 'import.meta.glob must be called where it is written: import.meta.glob(\'./dir/*.ts\')')
            else if (name === 'globEager') job.error(node, 'import.meta.globEager was removed (Vite 5)', ["use import.meta.glob('…', { eager: true })"])
          }
          return undefined
        })
        await Promise.all(work)
        if (!job.changed && !job.errors.length && !job.warnings.length) return undefined
        const loader = build.initialOptions.loader?.[path.extname(args.path)] ?? LOADERS[path.extname(args.path).toLowerCase()] ?? 'js'
        if (job.errors.length) return { errors: job.errors, warnings: job.warnings }
        return { contents: job.changed ? job.contents() : text, loader, resolveDir: path.dirname(args.path), warnings: job.warnings }
      })
    },
  }
}

/**
 * A file Kiln's parser cannot read. When esbuild cannot either, esbuild reports the syntax
 * error as usual; when esbuild can, the file's import.meta uses would go unseen, so it is an error.
 */
async function unparsable(file: string, text: string, err: SyntaxError & { pos?: number }, build: esbuild.PluginBuild): Promise<esbuild.OnLoadResult | undefined> {
  if (typeof err.pos !== 'number') throw err
  const loader = build.initialOptions.loader?.[path.extname(file)] ?? LOADERS[path.extname(file).toLowerCase()] ?? 'js'
  try {
    await esbuild.transform(text, { loader, logLevel: 'silent', format: 'esm' })
  } catch {
    return undefined
  }
  const before = text.slice(0, err.pos)
  const line = before.split('\n').length
  const column = err.pos - before.lastIndexOf('\n') - 1
  return {
    errors: [{
      text: `Kiln's parser cannot read this file, which uses import.meta: ${err.message.replace(/ \(\d+:\d+\)$/, '')}`,
      location: { file, line, column, lineText: text.split('\n')[line - 1] },
      notes: [{ text: 'Kiln parses files that use import.meta to find new URL(…, import.meta.url), workers and import.meta.glob (acorn with @sveltejs/acorn-typescript); please report this file' }],
    }],
  }
}
