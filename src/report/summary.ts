// --summary FILE and $GITHUB_STEP_SUMMARY: a Markdown table of each entry's initial load and
// its change against the base manifest (--compare), appended, as GitHub Actions expects.
import fs from 'node:fs'
import path from 'node:path'
import type { BudgetResult } from './budgets.js'
import type { EntrySize } from './entry-sizes.js'
import { formatChange, formatSize } from './size-units.js'

/** `base`: what the change is against, as the table's note says it. */
export function summaryMarkdown(sizes: EntrySize[], base: string, budgets: BudgetResult[] = []): string {
  const lines = [
    '### Kiln: initial load per entry',
    '',
    `Change against ${base}.`,
    '',
    '| Entry | Initial (gzip) | Change (gzip) | Initial (raw) | Change (raw) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...sizes.map((s) => `| \`${s.name.replace(/[`|]/g, '\\$&')}\` | ${formatSize(s.gzip)} | ${formatChange(s.gzip, s.previous?.gzip ?? null)} | ${formatSize(s.raw)} | ${formatChange(s.raw, s.previous?.raw ?? null)} |`),
  ]
  const over = budgets.filter((b) => !b.ok)
  if (budgets.length) lines.push('', over.length ? `**Over budget:** ${over.map((b) => `\`${b.name}\` ${formatSize(b.size)}${b.gzip ? ' gzip' : ''} > ${formatSize(b.limit)}`).join(', ')}` : `All ${budgets.length} size budgets met.`)
  return lines.join('\n') + '\n\n'
}

/** Appends to each target once (--summary and $GITHUB_STEP_SUMMARY may name the same file). */
export function appendSummary(files: string[], cwd: string, text: string): void {
  for (const file of new Set(files.filter(Boolean).map((f) => path.resolve(cwd, f)))) {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.appendFileSync(file, text)
  }
}
