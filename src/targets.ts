// The project's browserslist, once, for both compilers: autoprefixer takes the queries,
// esbuild takes the lowest version per engine it knows.
import fs from 'node:fs'
import path from 'node:path'
import browserslist from 'browserslist'
import { buildError, displayPath } from './diagnostics.js'

export interface Targets {
  queries: string[]
  esbuild: string[]
  /** Files the answer depends on (package.json, .browserslistrc), for cache keys and watch. */
  sources: string[]
}

const ENGINES: Record<string, string> = {
  chrome: 'chrome', and_chr: 'chrome', edge: 'edge', firefox: 'firefox', and_ff: 'firefox',
  safari: 'safari', ios_saf: 'ios', opera: 'opera', ie: 'ie', node: 'node',
}

export function resolveTargets(cwd: string): Targets {
  const sources = ['package.json', '.browserslistrc'].map((f) => path.join(cwd, f)).filter((f) => fs.existsSync(f))
  let queries: string[]
  let list: string[]
  try {
    const config = browserslist.loadConfig({ path: cwd })
    queries = config ? [config].flat() : ['defaults']
    list = browserslist(queries, { path: cwd })
  } catch (err) {
    const file = sources.find((f) => f.endsWith('.browserslistrc')) ?? sources[0]
    throw buildError(`Invalid browserslist: ${(err as Error).message}`, file ? { file: displayPath(file, cwd), line: 1, column: 0 } : null,
      'see https://browsersl.ist for the query syntax, or remove the setting to use "defaults"')
  }
  const lowest = new Map<string, number[]>()
  for (const entry of list) {
    const [browser, version] = entry.split(' ') as [string, string]
    const engine = ENGINES[browser]
    if (!engine) continue
    const v = version.split('-')[0]!.split('.').map(Number)
    if (v.some(Number.isNaN)) continue
    const cur = lowest.get(engine)
    if (!cur || compare(v, cur) < 0) lowest.set(engine, v)
  }
  const esbuild = [...lowest].map(([e, v]) => e + v.join('.')).sort()
  return { queries, esbuild, sources }
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d) return d
  }
  return 0
}
