// What the rest of the build sees of the static files (statics.ts): an asset's record and
// the lookup compilers turn a referenced file into its output with. Types only, importing
// nothing of the pipeline, so compilers, the manifest and the session can name them without
// importing the statics pipeline (which imports the cache, the pool and the workers).
import type { JobStats, Variant } from './workers/asset-jobs.js'

export interface StaticAsset {
  /** Logical name, or null for a referenced file outside the root (listed in `files` only). */
  logical: string | null
  abs: string
  /** Output path relative to the artifact directory. */
  file: string
  integrity: string
  size: number
  type: string
  variants: Variant[]
}

/** What compilers see of the table: a lookup, which a compile unit can track. */
export interface StaticLookup {
  lookup(abs: string): Promise<StaticAsset | null>
}

/** The build's table of static files, as the compile and compress steps use it. */
export interface StaticTable extends StaticLookup {
  /** Tallies of the statics and compress steps (the build's result reports them). */
  readonly stats: JobStats & { cached: number }
  /** A view that records every file looked up through it (a compile unit's inputs). */
  tracking(into: Set<string>): StaticLookup
  /** Starts fingerprinting the discovered files (statics.ts): compile calls it once esbuild has the scripts. */
  start(): void
}
