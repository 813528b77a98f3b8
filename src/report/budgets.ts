// Size budgets: `budgets: { 'app.ts': { initial: '150 kB', gzip: true }, '*.css': '50 kB', total: '5 MB' }`.
// A key names an entry (or a glob of entries: its initial load) or `total` (every file a
// browser may fetch: no source maps, no precompressed variants). Over budget is an error with
// --strict or in CI (CI set in the environment), else a warning; each message names the
// three biggest contributors, modules or packages (esbuild's metafile, else source maps).
// The build checks them in its size step (size-step.ts).
import path from 'node:path'
import type { CompiledEntry } from '../compilers/types.js'
import { message, type Message } from '../diagnostics.js'
import type { Manifest } from '../manifest.js'
import { FileSizes, initialFiles } from './sizes.js'
import { formatSize, parseSize } from './size-units.js'
import type { Budgets } from './budget-config.js'
import type { GzipSizes } from './gzip-sizes.js'
import { sizesFromSourceMap } from './source-map-sizes.js'

export interface Contributor {
  name: string
  size: number
}

export interface BudgetResult {
  /** The budget's key as written ('*.css', 'total'). */
  budget: string
  /** The entry it was checked against, or 'total'. */
  name: string
  size: number
  limit: number
  gzip: boolean
  ok: boolean
  /** The biggest first, at most three. */
  contributors: Contributor[]
}

export function checkBudgetList(budgets: Budgets, manifest: Manifest, entries: CompiledEntry[], sizes: FileSizes, cwd: string): { results: BudgetResult[]; unmatched: string[] } {
  const results: BudgetResult[] = []
  const unmatched: string[] = []
  const names = entries.map((e) => e.logical).sort()
  for (const [key, value] of Object.entries(budgets)) {
    const limit = parseSize(typeof value === 'object' ? value.initial : value)!
    const gzip = typeof value === 'object' && value.gzip === true
    if (key === 'total') {
      const files = browserFiles(manifest)
      const size = files.reduce((n, f) => n + sizes.of(f, gzip), 0)
      const contributors = files.map((f) => ({ name: f, size: sizes.of(f, gzip) })).sort(bySize).slice(0, 3)
      results.push({ budget: key, name: 'total', size, limit, gzip, ok: size <= limit, contributors })
      continue
    }
    const matched = names.filter((n) => globMatch(key, n))
    if (!matched.length) unmatched.push(key)
    for (const name of matched) {
      const files = initialFiles(manifest, name)
      const size = files.reduce((n, f) => n + sizes.of(f, gzip), 0)
      const entry = entries.find((e) => e.logical === name)!
      results.push({ budget: key, name, size, limit, gzip, ok: size <= limit, contributors: contributorsOf(entry, files, manifest, sizes.outDir, cwd) })
    }
  }
  return { results, unmatched }
}

/** Messages for the budgets that are exceeded, and for keys that match no entry. */
export function budgetMessages(results: BudgetResult[], unmatched: string[]): { over: Message[]; unmatched: Message[] } {
  const over = results.filter((r) => !r.ok).map((r) => {
    const what = r.name === 'total' ? 'The build' : `${r.name}`
    const load = r.name === 'total' ? 'in total' : 'initial load'
    const text = `${what} is over its size budget: ${load} ${formatSize(r.size)}${r.gzip ? ' gzip' : ''} (${r.size} B), budget ${formatSize(r.limit)} (${r.limit} B, "${r.budget}")`
    const biggest = r.contributors.length ? `biggest contributors (minified, before compression): ${r.contributors.map((c) => `${c.name} ${formatSize(c.size)}`).join(', ')}` : undefined
    return message(text, null, biggest)
  })
  return { over, unmatched: unmatched.map((k) => message(`Size budget "${k}" matches no entry`, null, 'budget keys are entry names (app.ts), globs of them (*.css) or "total"')) }
}

/** Package (node_modules/…/name, scoped or not) or module; sizes in the minified output, from the metafile. */
function contributorsOf(entry: CompiledEntry, files: string[], manifest: Manifest, outDir: string, cwd: string): Contributor[] {
  const by = new Map<string, number>()
  for (const f of files) {
    // esbuild's metafile for scripts (and CSS they import); a stylesheet entry's source map (its PostCSS imports); else the file itself.
    const sources = entry.modules?.[f] ?? (manifest.files[`${f}.map`] ? sizesFromSourceMap(path.join(outDir, f), cwd) : null) ?? { [f]: manifest.files[f]?.size ?? 0 }
    for (const [source, n] of Object.entries(sources)) by.set(packageOf(source), (by.get(packageOf(source)) ?? 0) + n)
  }
  return [...by].map(([name, size]) => ({ name, size })).sort(bySize).slice(0, 3)
}

/** 'node_modules/@scope/pkg/dist/x.js' → '@scope/pkg'; other sources as they are. */
export function packageOf(source: string): string {
  const parts = source.split('/')
  const i = parts.lastIndexOf('node_modules')
  if (i < 0 || i + 1 >= parts.length) return source
  return parts[i + 1]!.startsWith('@') && i + 2 < parts.length ? `${parts[i + 1]}/${parts[i + 2]}` : parts[i + 1]!
}

/** Every file a browser may fetch: no source maps, no precompressed variants. */
export function browserFiles(manifest: Manifest): string[] {
  const variants = new Set(Object.values(manifest.files).flatMap((r) => Object.values(r.encodings ?? {})))
  return Object.keys(manifest.files).filter((f) => !f.endsWith('.map') && !variants.has(f) && !/\.(gz|br)$/.test(f)).sort()
}

function bySize(a: Contributor, b: Contributor): number {
  return b.size - a.size || a.name.localeCompare(b.name)
}

/** '*' within a path segment, '**' across them; anything else literal. */
function globMatch(glob: string, name: string): boolean {
  if (!glob.includes('*')) return glob === name
  const re = glob.split(/(\*\*\/|\*\*|\*)/).map((part) => {
    if (part === '**/') return '(?:.*/)?'
    if (part === '**') return '.*'
    if (part === '*') return '[^/]*'
    return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
  }).join('')
  return new RegExp(`^${re}$`).test(name)
}

/** The step build.ts runs: results, and the messages to warn with or fail on. */
export function evaluateBudgets(budgets: Budgets, manifest: Manifest, entries: CompiledEntry[], outDir: string, cwd: string, gzip?: GzipSizes): { results: BudgetResult[]; over: Message[]; unmatched: Message[] } {
  if (!Object.keys(budgets).length) return { results: [], over: [], unmatched: [] }
  const { results, unmatched } = checkBudgetList(budgets, manifest, entries, new FileSizes(manifest, outDir, gzip), cwd)
  return { results, ...budgetMessages(results, unmatched) }
}
