// The project's browserslist, for both compilers: autoprefixer takes the queries, esbuild
// takes the lowest version per engine it knows. Resolving it loads browserslist and its
// browser data (~100 ms), so a build whose compile is skipped never does: the cache keys
// on targetInputs(), the raw configuration and the versions of the data, instead.
// autoprefixer (its own load and prefix tables cost more than browserslist) is made apart,
// by prefixerFor(), only when a stylesheet is compiled: esbuild needs no more than the list.
import fs from 'node:fs'
import path from 'node:path'
import type { AcceptedPlugin } from 'postcss'
import { buildError, displayPath } from './diagnostics.js'
import { autoprefixerPackage, browserslistPackage, packageVersion } from './packages.js'

export interface Targets {
  queries: string[]
  esbuild: string[]
}

const ENGINES: Record<string, string> = {
  chrome: 'chrome', and_chr: 'chrome', edge: 'edge', firefox: 'firefox', and_ff: 'firefox',
  safari: 'safari', ios_saf: 'ios', opera: 'opera', ie: 'ie', node: 'node',
}

/** Versions of the packages whose output Kiln's output depends on. */
export function toolVersions(): Record<string, string> {
  const names = ['esbuild', 'postcss', 'autoprefixer', 'browserslist', 'caniuse-lite', 'postcss-value-parser']
  return Object.fromEntries(names.map((n) => [n, packageVersion(n)]))
}

/** Everything resolveTargets() reads, cheaply: the browserslist config where browserslist would find it. */
export function targetInputs(cwd: string, env: NodeJS.ProcessEnv): unknown {
  const found: unknown[] = [env.BROWSERSLIST ?? null, env.BROWSERSLIST_ENV ?? null, env.NODE_ENV ?? null]
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    const rc = ['.browserslistrc', 'browserslist'].map((f) => path.join(dir, f)).find((f) => fs.statSync(f, { throwIfNoEntry: false })?.isFile())
    const pkg = path.join(dir, 'package.json')
    const field = fs.existsSync(pkg) ? readField(pkg) : undefined
    if (rc || field !== undefined) return [...found, rc ? fs.readFileSync(rc, 'utf8') : null, field ?? null]
    if (path.dirname(dir) === dir) return found
  }
}

function readField(pkg: string): unknown {
  try {
    return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { browserslist?: unknown }).browserslist
  } catch {
    return undefined
  }
}

export async function resolveTargets(cwd: string): Promise<Targets> {
  const browserslist = browserslistPackage()
  let queries: string[]
  let list: string[]
  try {
    const config = browserslist.loadConfig({ path: cwd })
    queries = config ? [config].flat() : ['defaults']
    list = browserslist(queries, { path: cwd })
  } catch (err) {
    const sources = ['.browserslistrc', 'package.json'].map((f) => path.join(cwd, f)).filter((f) => fs.existsSync(f))
    throw buildError(`Invalid browserslist: ${(err as Error).message}`, sources[0] ? { file: displayPath(sources[0], cwd), line: 1, column: 0 } : null,
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
  return { queries, esbuild }
}

/** One autoprefixer for the queries, for every stylesheet of a build: building one costs ~100 ms of prefix tables. */
export async function prefixerFor(targets: Targets): Promise<AcceptedPlugin> {
  const autoprefixer = autoprefixerPackage()
  return autoprefixer({ overrideBrowserslist: targets.queries })
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d) return d
  }
  return 0
}
