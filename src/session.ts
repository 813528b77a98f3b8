// State that lives across the builds of one long-running process (kiln watch): esbuild's
// incremental context, so a rebuild re-reads only what changed. A one-off build has none.
import type * as esbuild from 'esbuild'
import type { StaticLookup } from './static-lookup.js'

export interface ScriptContext {
  /** The options the context was made with; other options need a new context. */
  key: string
  context: esbuild.BuildContext<{ metafile: true; write: false }>
  /** The plugin reads static files through this, swapped to each build's table. */
  statics: { current: StaticLookup }
}

export class BuildSession {
  scripts: ScriptContext | null = null

  async dispose(): Promise<void> {
    await this.scripts?.context.dispose()
    this.scripts = null
  }
}
