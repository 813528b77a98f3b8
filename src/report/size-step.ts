// The build's size step, one line in build.ts: each entry's size against the base (the last
// build, or --compare), the budgets, the pull-request summary and report.html.
import path from 'node:path'
import type { CompiledEntry } from '../compilers/types.js'
import { KilnError, message, type Message } from '../diagnostics.js'
import type { Manifest } from '../manifest.js'
import type { BudgetResult } from './budgets.js'
import { budgetsFail } from './budget-config.js'
import type { BuildContext } from '../context.js'
import { entrySizes, liveManifest, readManifest, type EntrySize } from './entry-sizes.js'
import type { GzipSizes } from './gzip-sizes.js'
import type { ResolvedConfig } from '../config.js'

/** What the build made, for the size step: the manifest, the entries it has, and what the build already holds. */
export interface BuiltManifest {
  manifest: Manifest
  entries: CompiledEntry[]
  /** The kept gzip sizes, opened (and prefetched) by the build. */
  gzip: GzipSizes
  /** The last build's manifest when the build has it already (one that changed nothing: its own); else read from outDir. */
  last?: Manifest
}

/** What the build's size step hands back: budget results, and each entry's initial size beside the last build's. */
export interface SizeCheck {
  budgets: BudgetResult[]
  sizes: EntrySize[]
}

/**
 * The build step, run before the new manifest is written (the live one is still the last
 * build's): each entry's size against the last build, and the budgets; over budget throws
 * (fail: strict or CI) or adds a warning. A key that matches no entry is a warning. The
 * summary and report.html are written first, so a build over budget still has them.
 */
export async function checkSizes(context: BuildContext, built: BuiltManifest): Promise<SizeCheck> {
  const { config, warnings } = context
  const { manifest, entries, gzip } = built
  const base = baseManifest(config, built.last, warnings)
  await gzip.ready()
  const sizes = entrySizes(entries.map((e) => e.logical), manifest, config.outDir, base.manifest, base.dir, gzip)
  // Loaded only with budgets: measuring them reads source maps (a decoder a build without budgets never needs).
  const { results, over, unmatched } = Object.keys(config.budgets).length
    ? (await import('./budgets.js')).evaluateBudgets(config.budgets, manifest, entries, config.outDir, config.cwd, gzip)
    : { results: [], over: [], unmatched: [] }
  gzip.save()
  warnings.push(...unmatched)
  // Before failing on a budget: a pull request's summary says what is over.
  const targets = [config.summary, config.environment.GITHUB_STEP_SUMMARY ?? '']
  // Loaded only when asked for: a build without --summary or --report never needs them.
  if (targets.some(Boolean)) {
    const { appendSummary, summaryMarkdown } = await import('./summary.js')
    appendSummary(targets, config.cwd, summaryMarkdown(sizes, base.label, results))
  }
  if (config.report) await (await import('./html.js')).writeReport(manifest, config.outDir, entries, base.manifest, config.cwd)
  if (over.length && budgetsFail(config.strict, config.environment)) throw Object.assign(new KilnError(over), { json: { budgets: results, sizes } })
  warnings.push(...over)
  return { budgets: results, sizes }
}

/** --compare's manifest (a warning when it cannot be read: a first run has no base), else the live one. */
function baseManifest(config: ResolvedConfig, last: Manifest | undefined, warnings: Message[]): { manifest: Manifest | null; dir: string; label: string } {
  if (!config.compare) return { manifest: last ?? liveManifest(config.outDir), dir: config.outDir, label: 'the last build' }
  const file = path.resolve(config.cwd, config.compare)
  const manifest = readManifest(file)
  if (!manifest) warnings.push(message(`--compare ${config.compare}: no manifest to compare with (missing or not a Kiln manifest); every entry shows as new`, null))
  return { manifest, dir: path.dirname(file), label: `\`${config.compare.replace(/`/g, '')}\`` }
}
