// new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }) and SharedWorker:
// the worker is bundled by its own esbuild build (run.ts) — as ES modules with its own
// chunks for a module worker, as one classic script (IIFE, import.meta.url read from
// self.location) otherwise, as the browser will load it — and the URL becomes a placeholder
// for its fingerprinted entry. The worker joins the manifest's graph as a dynamic import of
// the chunk that starts it. Options Kiln cannot read (a variable, a spread, a computed
// `type`) are errors: the format depends on them.
import * as esbuild from 'esbuild'
import { localReference } from '../css/references.js'
import { displayName, SCRIPT_EXT } from './asset-url.js'
import { resolveFrom, type Job } from './job.js'
import { staticString, unwrap, type Node } from './parse.js'
import { NestedFailure, type TransformRun } from './run.js'
import { statIfAny } from '../walk.js'

export type WorkerFormat = 'esm' | 'iife'

export async function worker(job: Job, node: Node, kind: string, arg: Node): Promise<void> {
  const spec = staticString(arg)
  if (spec === null) {
    job.problem(arg, `new ${kind}(new URL(…, import.meta.url)) with a computed path: Kiln cannot tell which script to bundle`, ['write the path as a string literal'])
    return
  }
  const ref = localReference(spec)
  if (!ref) return
  const format = workerFormat(job, (node.arguments as Node[])[1], kind)
  if (!format) return
  const abs = resolveFrom(job, ref.pathname)
  if (!statIfAny(abs)?.isFile()) return job.error(arg, `Could not resolve ${JSON.stringify(spec)}`)
  if (!SCRIPT_EXT.test(abs)) return job.error(arg, `new ${kind}(…) names ${displayName(job.run, abs)}, which is not a script (.js, .ts, .jsx, .tsx, .mjs, .cjs, .mts, .cts)`)
  if (abs === job.file || job.ancestry.includes(abs)) {
    return job.error(arg, `new ${kind}(…) starts ${displayName(job.run, abs)} from inside its own bundle: its fingerprint would depend on itself`, [
      'pass the URL in from the page or a parent worker instead (postMessage), or split the code that starts workers into another file',
    ])
  }
  try {
    const built = await buildWorker(job.run, abs, format, job.ancestry)
    job.nestedMessages([], built.warnings, arg, `the ${kind.toLowerCase()}`)
    job.run.edge(job.file, built.entry)
    job.code.overwrite(arg.start, arg.end, JSON.stringify(job.run.ctx.placeholders.for(built.entry, ref.suffix)))
  } catch (err) {
    if (!(err instanceof NestedFailure)) throw err
    job.nestedMessages(err.errors, err.warnings, arg, `the ${kind.toLowerCase()}`)
  }
}

/** Bundles a worker: ES modules with code splitting, or one classic script whose import.meta.url is its own location. */
export function buildWorker(run: TransformRun, abs: string, format: WorkerFormat, ancestry: string[]) {
  const overrides: esbuild.BuildOptions = format === 'esm'
    ? { format: 'esm', splitting: true }
    : { format: 'iife', splitting: false, define: { ...run.top.define, 'import.meta.url': 'self.location.href' } }
  return run.nested(abs, ancestry, overrides, true)
}

/** The worker's format from its options: { type: 'module' } → esm; none, 'classic' or a name (SharedWorker) → iife; anything unreadable → an error. */
function workerFormat(job: Job, options: Node | undefined, kind: string): WorkerFormat | null {
  if (!options) return 'iife'
  const o = unwrap(options)
  if (kind === 'SharedWorker' && staticString(o) !== null) return 'iife'
  const unreadable = (node: Node) => {
    job.problem(node, `new ${kind}(…): Kiln cannot read the options, and the worker's format (module or classic) depends on their "type"`, [
      "write the options as an object literal: { type: 'module' } (or leave \"type\" out for a classic worker)",
    ])
    return null
  }
  if (o.type !== 'ObjectExpression') return unreadable(o)
  let format: WorkerFormat = 'iife'
  for (const p of o.properties as Node[]) {
    if (p.type !== 'Property') return unreadable(p)
    const key = p.key as Node & { name?: string; value?: unknown }
    const name = !p.computed && key.type === 'Identifier' ? key.name : staticString(key)
    if (name === null || name === undefined) return unreadable(p)
    if (name !== 'type') continue
    const value = staticString(p.value as Node)
    if (value === 'module') format = 'esm'
    else if (value === 'classic') format = 'iife'
    else return unreadable(p.value as Node)
  }
  return format
}
