// kiln-assets/runtime on a 10,000-asset manifest that Kiln itself writes (a build of
// manifestCorpus(), so the bytes follow whatever format Kiln has): the load against
// readFileSync + JSON.parse of the same file, in this process and in fresh ones, each pair
// interleaved; bytes per asset; url() lookups; the runtime's size minified + gzipped.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import zlib from 'node:zlib'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { manifestCorpus } from './corpus.mjs'
import { measure, stats } from './measure.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.join(HERE, '../..')
const RUNTIME = pathToFileURL(path.join(REPO, 'dist/runtime/index.js')).href
const esbuild = createRequire(path.join(REPO, 'package.json'))('esbuild')

/** Builds the 10,000-asset manifest with Kiln (into `work`, once per bench) and returns its path. */
async function buildManifest(work) {
  const corpus = manifestCorpus(path.join(HERE, 'corpus/manifest-10k'))
  const out = path.join(work, 'out/runtime-10k')
  await measure(process.execPath, [path.join(REPO, 'bin/kiln.js'), 'build', '--root', corpus.src, '--out', out, '--cache-dir', path.join(work, 'cache/runtime-10k'), '--no-compress', '--quiet'], { cwd: corpus.dir })
  return path.join(out, 'manifest.json')
}

/**
 * `runs` interleaved pairs of time('load') and time('parse') (which goes first alternates), after
 * one pair not counted; the ratio of each pair too, as its two ran under the same load.
 */
function pairs(runs, time) {
  const times = { load: [], parse: [] }
  for (let i = 0; i <= runs; i++) {
    for (const kind of i % 2 ? ['parse', 'load'] : ['load', 'parse']) {
      const ms = time(kind)
      if (i > 0) times[kind].push(ms)
    }
  }
  return { load: stats(times.load), parse: stats(times.parse), perPair: stats(times.load.map((l, i) => l / times.parse[i])) }
}

export async function runtimeBench({ work, runs = 31, freshRuns = 11 }) {
  const file = await buildManifest(work)
  const { loadManifest } = await import(RUNTIME)
  const text = fs.readFileSync(file, 'utf8')
  const assets = loadManifest(file, { env: {} })
  const names = assets.names()
  const manifest = { assets: names.length, bytes: Buffer.byteLength(text), compactBytes: Buffer.byteLength(JSON.stringify(JSON.parse(text))) }

  // In this process: gc() before each (node runs with --expose-gc), so no load pays for an earlier one's garbage.
  const collect = globalThis.gc ?? (() => {})
  const inProcess = pairs(runs, (kind) => {
    collect()
    const t = performance.now()
    if (kind === 'load') loadManifest(file, { env: {} })
    else JSON.parse(fs.readFileSync(file, 'utf8'))
    return performance.now() - t
  })

  // Fresh processes, as an app's boot sees it (cold JIT): the call alone, after the runtime's import.
  const scripts = {
    load: `const { loadManifest } = await import(${JSON.stringify(RUNTIME)}); const t = performance.now(); loadManifest(${JSON.stringify(file)}, { env: {} }); console.log(performance.now() - t)`,
    parse: `import fs from 'node:fs'; const t = performance.now(); JSON.parse(fs.readFileSync(${JSON.stringify(file)}, 'utf8')); console.log(performance.now() - t)`,
  }
  const fresh = pairs(freshRuns, (kind) => Number(execFileSync(process.execPath, ['--input-type=module', '-e', scripts[kind]], { encoding: 'utf8' })))

  const rates = []
  for (let r = 0; r < 5; r++) {
    const n = 10_000_000
    let sink = 0
    const t = performance.now()
    for (let i = 0; i < n; i++) sink += assets.url(names[i % names.length]).length
    const s = (performance.now() - t) / 1000
    if (sink === 0) throw new Error('unreachable')
    rates.push(n / s)
  }
  const bundle = await esbuild.build({ entryPoints: [fileURLToPath(RUNTIME)], bundle: true, minify: true, platform: 'node', format: 'esm', write: false })
  return {
    manifest,
    inProcess,
    fresh,
    lookupsPerSecond: { ...stats(rates), budget: 10_000_000 },
    sizeBytes: { minGzip: zlib.gzipSync(bundle.outputFiles[0].contents, { level: 9 }).length, budget: 3072 },
  }
}
