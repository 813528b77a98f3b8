// The build context: what one build knows and shares, made once in build.ts and handed down
// to every step (statics, compile, compress) instead of long positional parameter lists.
// Types only, from modules below the pipeline's steps: no step is imported here, so any
// step (and any compiler) can take the context without an import pointing back up.
import type { ResolvedConfig } from './config.js'
import type { Sources } from './discover.js'
import type { BuildSession } from './session.js'
import type { StaticTable } from './static-lookup.js'
import type { BuildCache, CompiledFile } from './cache.js'
import type { Pool } from './pool.js'
import type { Stage } from './output.js'
import type { CompressSettings } from './workers/asset-jobs.js'
import type { Message } from './diagnostics.js'
import type { ProgressSink } from './progress.js'

// What compilers name through the context, so they import nothing of the session or the statics pipeline.
export type { BuildSession } from './session.js'
export type { StaticAsset, StaticLookup, StaticTable } from './static-lookup.js'

export interface BuildContext {
  config: ResolvedConfig
  sources: Sources
  /** kiln watch's state across builds (esbuild's incremental context); none for a one-off build. */
  session?: BuildSession
  /** The static files: fingerprinted while compile runs, looked up by compilers. */
  statics: StaticTable
  cache: BuildCache
  /** Worker threads for hashing, copying and compressing. */
  pool: Pool
  /** Files written under temporary names, committed together once everything succeeded. */
  stage: Stage
  /** Precompression settings, or null when compression is off. */
  compress: CompressSettings | null
  /** The build's warnings sink; --strict turns what lands here into errors. */
  warnings: Message[]
  progress: ProgressSink
}

/** A compiled file: bytes when this build has them (compiled now, or missing from the artifact directory). */
export interface Output extends CompiledFile {
  bytes?: Buffer
}
