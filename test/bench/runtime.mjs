// Runtime budgets: load a 10,000-asset manifest (≤ 20 ms), url() lookups (≥ 10 M/s),
// size minified + gzipped (≤ 3 KB). Medians of several runs; nothing here asserts in npm test.
import { execFileSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const { loadManifest } = await import(path.join(REPO, 'dist/runtime/index.js'))

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function syntheticManifest(n) {
  const files = {}
  const assets = {}
  for (let i = 0; i < n; i++) {
    const hash = crypto.createHash('sha256').update(String(i)).digest()
    const integrity = `sha384-${crypto.createHash('sha384').update(String(i)).digest('base64')}`
    const file = `dir${i % 50}/asset${i}-${hash.toString('hex').slice(0, 8).toUpperCase()}.${i % 3 ? 'png' : 'js'}`
    files[file] = { integrity, size: 1000 + i }
    assets[`dir${i % 50}/asset${i}.${i % 3 ? 'png' : 'ts'}`] = { file, integrity, size: 1000 + i, type: i % 3 ? 'image/png' : 'text/javascript' }
  }
  return { version: 1, publicPath: '/assets/', assets, files }
}

export async function runtimeBench({ runs = 15 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-rt-'))
  try {
    const file = path.join(dir, 'manifest.json')
    fs.writeFileSync(file, JSON.stringify(syntheticManifest(10_000)))
    // Each load is measured as a boot would see it: no garbage from earlier loads (gc()
    // between runs when node runs with --expose-gc). The floor is reading and JSON.parse
    // alone, the part no runtime can skip.
    const collect = globalThis.gc ?? (() => {})
    const loads = []
    const floors = []
    for (let i = 0; i < runs; i++) {
      collect()
      let t = performance.now()
      JSON.parse(fs.readFileSync(file, 'utf8'))
      floors.push(performance.now() - t)
      collect()
      t = performance.now()
      loadManifest(file, { env: {} })
      loads.push(performance.now() - t)
    }
    const boots = []
    const script = `const { loadManifest } = await import(${JSON.stringify(path.join(REPO, 'dist/runtime/index.js'))}); const t = performance.now(); loadManifest(${JSON.stringify(file)}, { env: {} }); console.log(performance.now() - t)`
    for (let i = 0; i < 7; i++) boots.push(Number(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })))
    const assets = loadManifest(file, { env: {} })
    const names = assets.names()
    const rates = []
    for (let r = 0; r < 7; r++) {
      const n = 20_000_000
      let sink = 0
      const t = performance.now()
      for (let i = 0; i < n; i++) sink += assets.url(names[i % names.length]).length
      const s = (performance.now() - t) / 1000
      if (sink === 0) throw new Error('unreachable')
      rates.push(n / s)
    }
    const bundle = await esbuild.build({ entryPoints: [path.join(REPO, 'dist/runtime/index.js')], bundle: true, minify: true, platform: 'node', format: 'esm', write: false })
    const gz = zlib.gzipSync(bundle.outputFiles[0].contents, { level: 9 }).length
    return {
      manifestBytes: fs.statSync(file).size,
      loadMs: { median: median(loads), min: Math.min(...loads), max: Math.max(...loads), budget: 20 },
      bootLoadMs: { median: median(boots), min: Math.min(...boots), max: Math.max(...boots) },
      readParseFloorMs: { median: median(floors), min: Math.min(...floors), max: Math.max(...floors) },
      lookupsPerSecond: { median: median(rates), min: Math.min(...rates), max: Math.max(...rates), budget: 10_000_000 },
      sizeBytes: { minGzip: gz, budget: 3072 },
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
