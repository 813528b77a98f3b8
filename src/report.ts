// What a build prints: a short summary on a terminal, one JSON object with --json.
import { formatMessage, type KilnError } from './diagnostics.js'
import type { BuildResult } from './build.js'
import type { EntrySize } from './report/entry-sizes.js'
import { formatChange, formatSize } from './report/size-units.js'

export type ReportMode = 'text' | 'json' | 'quiet'

export function reportSuccess(r: BuildResult, mode: ReportMode, out: NodeJS.WritableStream, err: NodeJS.WritableStream, verbose = false) {
  if (mode === 'json') {
    out.write(JSON.stringify({ ok: true, manifest: r.manifest, entries: r.entries, files: r.files, bytes: r.bytes, written: r.written, reused: r.reused, steps: r.steps, budgets: r.budgets, sizes: r.sizes, warnings: r.warnings, errors: [], durationMs: r.durationMs, maxRss: r.maxRss }) + '\n')
    return
  }
  if (mode === 'quiet') return
  for (const w of r.warnings) err.write(formatMessage(w, 'WARNING') + '\n')
  for (const m of r.steps.cacheMismatches) err.write(`WARNING: build cache was wrong about ${m} (re-hashed; the cache now holds the right value)\n`)
  if (verbose) err.write(`steps (ms, each its own time; some overlap): ${Object.entries(r.steps.timings).map(([k, v]) => `${k} ${v}`).join(', ')}\n`)
  out.write(`Built ${r.entries} ${plural(r.entries, 'entry', 'entries')}, ${r.files} files (${formatBytes(r.bytes)}; ${r.written} written, ${r.reused} unchanged${compileNote(r)}) in ${r.durationMs} ms → ${r.manifest}\n`)
  if (r.sizes.length) out.write(sizeTable(r.sizes))
}

function compileNote(r: BuildResult): string {
  const remote = r.steps.remoteCache?.hits ? `; ${r.steps.remoteCache.hits} ${plural(r.steps.remoteCache.hits, 'unit', 'units')} from the remote cache` : ''
  if (r.steps.compile !== 'skipped') return remote
  return remote ? `${remote}, compile skipped` : '; sources unchanged, compile skipped'
}

/** Under the summary line: each entry's initial load (gzip) and its change since the last build. */
export function sizeTable(sizes: EntrySize[]): string {
  const rows = [['entry', 'initial (gzip)', 'since last build'], ...sizes.map((s) => [s.name, formatSize(s.gzip), formatChange(s.gzip, s.previous?.gzip ?? null)])]
  const w0 = Math.max(...rows.map((r) => r[0]!.length))
  const w1 = Math.max(...rows.map((r) => r[1]!.length))
  return rows.map(([a, b, c]) => `  ${a!.padEnd(w0)}  ${b!.padStart(w1)}  ${c}`.trimEnd() + '\n').join('')
}

export function reportFailure(e: KilnError, mode: ReportMode, out: NodeJS.WritableStream, err: NodeJS.WritableStream, durationMs: number) {
  if (mode === 'json') {
    out.write(JSON.stringify({ ok: false, manifest: null, entries: 0, files: 0, ...e.json, warnings: e.warnings, errors: e.errors, durationMs }) + '\n')
    return
  }
  if (mode !== 'quiet') for (const w of e.warnings) err.write(formatMessage(w, 'WARNING') + '\n')
  err.write(e.message + '\n')
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${(n / 1024 / 1024).toFixed(1)} MiB`
}

function plural(n: number, one: string, many: string) {
  return n === 1 ? one : many
}

