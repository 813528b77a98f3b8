// Sizes as budgets write them and as Kiln prints them: kB/MB are powers of 1000, KiB/MiB of
// 1024. Pure text, apart from sizes.ts (which reads files): the CLI and the config's checks
// load this alone.

const UNITS: Record<string, number> = { b: 1, kb: 1000, kib: 1024, mb: 1000 ** 2, mib: 1024 ** 2, gb: 1000 ** 3, gib: 1024 ** 3 }

/** '150 kB', '1.5MiB', '2000' or 2000 → bytes; null when it is not a size. */
export function parseSize(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : null
  if (typeof value !== 'string') return null
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value)
  const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined
  return m && unit !== undefined ? Math.round(Number(m[1]) * unit) : null
}

/** 812 B, 14.2 kB, 1.30 MB: decimal units, as budgets are usually written. */
export function formatSize(n: number): string {
  if (n < 1000) return `${n} B`
  if (n < 1000 ** 2) return `${(n / 1000).toFixed(1)} kB`
  return `${(n / 1000 ** 2).toFixed(2)} MB`
}

/** '+1.2 kB', '-340 B', '±0', or 'new' when there was nothing to compare with. */
export function formatChange(now: number, before: number | null): string {
  if (before === null) return 'new'
  const d = now - before
  if (d === 0) return '±0'
  const pct = before > 0 ? ` (${d > 0 ? '+' : '-'}${Math.abs((d / before) * 100).toFixed(1)}%)` : ''
  return `${d > 0 ? '+' : '-'}${formatSize(Math.abs(d))}${pct}`
}
