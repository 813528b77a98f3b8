// The budgets setting as a config holds it, and its check: apart from budgets.ts (which
// measures the build) so that validating a config loads no more than this.
import { parseSize } from './size-units.js'

export type BudgetValue = string | number | { initial: string | number; gzip?: boolean }
export type Budgets = Record<string, BudgetValue>

/** Why a budgets value is wrong, for options.ts, or null. */
export function checkBudgets(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null
  for (const [key, v] of Object.entries(value)) {
    const size = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>).initial : v
    if (parseSize(size) === null) return `"${key}" must be a size such as '150 kB', '1.5 MiB' or a number of bytes, or { initial: '150 kB', gzip: true }; got ${JSON.stringify(v)}`
    if (typeof v === 'object' && v !== null) {
      const extra = Object.keys(v).find((k) => k !== 'initial' && k !== 'gzip')
      if (extra) return `"${key}" has no setting "${extra}" (settings: initial, gzip)`
    }
  }
  return null
}

/** In CI (CI set and not "false"/"0") or with --strict, a budget is a gate; elsewhere a warning. */
export function budgetsFail(strict: boolean, env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI
  return strict || (ci !== undefined && ci !== '' && !/^(0|false)$/i.test(ci))
}
