// Kiln's asset transforms of scripts: esbuild plugins, one job each, registered once by
// compilers/javascript.ts, first in its plugin list (before the config's plugins and Kiln's
// own: their syntax means what Kiln says). The order they run in, written down once:
//
//   1. outputs      onStart: a new build forgets the last one's nested builds.
//   2. queries      onResolve of an import with a ?query: ?url, ?raw, ?inline, ?worker …
//                   become modules of their own (queries.ts); any other query is an error
//                   at the import.
//   3. import-meta  onLoad of each .js/.ts/.jsx/.tsx/.mjs/.cjs/.mts/.cts file that mentions
//                   import.meta: parsed once, then workers (workers.ts: new Worker/SharedWorker
//                   of new URL(…, import.meta.url), each bundled by a nested build), asset
//                   URLs (url-assets.ts: other new URL(…, import.meta.url)) and
//                   import.meta.glob (glob.ts), with a source map back to the original.
//      Static files imported by path (`import logo from './logo.svg'`) are Kiln's plugin's
//      onLoad in javascript.ts, with the same URL module (asset-url.ts).
//   4. outputs      onEnd: nested builds' outputs and graph edges join the build's, then
//                   every URL placeholder in a written script becomes the path from that
//                   script to its file (so URLs are relative to the chunk, whatever the prefix).
//
// Nested builds (run.ts) run the same plugins: the user's, a fresh Kiln plugin, and these
// (without outputs: the top build gathers everything at its end).
import type * as esbuild from 'esbuild'
import type { TransformContext } from './context.js'
import { importMetaPlugin } from './import-meta.js'
import { outputsPlugin } from './outputs.js'
import { queriesPlugin } from './queries.js'
import { TransformRun } from './run.js'

export type { TransformContext } from './context.js'
export { urlModule } from './asset-url.js'

export function transformPlugins(ctx: TransformContext): esbuild.Plugin[] {
  const run = new TransformRun(ctx, nestedPlugins)
  return [outputsPlugin(run), ...nestedPlugins(run, [])]
}

function nestedPlugins(run: TransformRun, ancestry: string[]): esbuild.Plugin[] {
  return [queriesPlugin(run, ancestry), importMetaPlugin(run, ancestry)]
}
