// The build's size step, one line in build.ts: each entry's size against the base (the last
// build, or --compare), the budgets, the pull-request summary and report.html.
import path from 'node:path'
import type { CompiledEntry } from '../compilers/types.js'
import { KilnError, message, type Message } from '../diagnostics.js'
import type { Manifest } from '../manifest.js'
import type { BudgetResult } from './budgets.js'
import type { Budgets } from './budget-config.js'
import { entrySizes, liveManifest, readManifest, type EntrySize } from './entry-sizes.js'
import { GzipSizes } from './gzip-sizes.js'

export { budgetsFail } from './budget-config.js'

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
export async function checkSizes(budgets: Budgets, fail: boolean, manifest: Manifest, entries: CompiledEntry[], outDir: string, warnings: Message[], summary: SummarySettings): Promise<SizeCheck> {
  const base = baseManifest(summary, outDir, warnings)
  const gzip = summary.gzip ?? GzipSizes.open(summary.cacheDir)
  await gzip.ready()
  const sizes = entrySizes(entries.map((e) => e.logical), manifest, outDir, base.manifest, base.dir, gzip)
  // Loaded only with budgets: measuring them reads source maps (a decoder a build without budgets never needs).
  const { results, over, unmatched } = Object.keys(budgets).length
    ? (await import('./budgets.js')).evaluateBudgets(budgets, manifest, entries, outDir, summary.cwd, gzip)
    : { results: [], over: [], unmatched: [] }
  gzip.save()
  warnings.push(...unmatched)
  // Before failing on a budget: a pull request's summary says what is over.
  const targets = [summary.summary, summary.env.GITHUB_STEP_SUMMARY ?? '']
  // Loaded only when asked for: a build without --summary or --report never needs them.
  if (targets.some(Boolean)) {
    const { appendSummary, summaryMarkdown } = await import('./summary.js')
    appendSummary(targets, summary.cwd, summaryMarkdown(sizes, base.label, results))
  }
  if (summary.report) await (await import('./html.js')).writeReport(manifest, outDir, entries, base.manifest, summary.cwd)
  if (over.length && fail) throw Object.assign(new KilnError(over), { json: { budgets: results, sizes } })
  warnings.push(...over)
  return { budgets: results, sizes }
}

export interface SummarySettings {
  cwd: string
  /** --summary FILE, or ''. */
  summary: string
  /** --compare MANIFEST, or '': the last build's. */
  compare: string
  env: NodeJS.ProcessEnv
  /** Also write report.html (report/html.ts). */
  report: boolean
  /** Where gzip sizes are kept between builds (report/gzip-sizes.ts); null: nowhere. */
  cacheDir: string | null
  /** The kept sizes, opened (and prefetched) by the build; else opened here from cacheDir. */
  gzip?: GzipSizes
  /** The last build's manifest when the build has it already (one that changed nothing: its own); else read from outDir. */
  last?: Manifest
}

/** --compare's manifest (a warning when it cannot be read: a first run has no base), else the live one. */
function baseManifest(s: SummarySettings, outDir: string, warnings: Message[]): { manifest: Manifest | null; dir: string; label: string } {
  if (!s.compare) return { manifest: s.last ?? liveManifest(outDir), dir: outDir, label: 'the last build' }
  const file = path.resolve(s.cwd, s.compare)
  const manifest = readManifest(file)
  if (!manifest) warnings.push(message(`--compare ${s.compare}: no manifest to compare with (missing or not a Kiln manifest); every entry shows as new`, null))
  return { manifest, dir: path.dirname(file), label: `\`${s.compare.replace(/`/g, '')}\`` }
}
