// npm run bench: installs the peers (test/bench/node_modules) when missing, then prints
// each benchmark's medians and ranges against its budget or floor. Flags: --scale
// small|medium|large (default medium), --runs N (default 3), --no-peers, --only build|runtime,
// --cases 'floor,kiln cold' (a subset of the cases), --json.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runtimeBench } from './runtime.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const argv = process.argv.slice(2)
const flag = (name, fallback) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1] : fallback
}
const json = argv.includes('--json')
const scale = flag('scale', 'medium')
const runs = Number(flag('runs', 3))
const only = flag('only', 'all')
const peers = !argv.includes('--no-peers')
const cases = flag('cases', null)?.split(',')
const say = json ? () => {} : (s) => console.log(s)

if (peers && !fs.existsSync(path.join(HERE, 'node_modules/vite'))) {
  say('Installing the peers (vite, webpack, …) into test/bench/node_modules …')
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', HERE], { stdio: json ? 'ignore' : 'inherit' })
}

const results = { date: new Date().toISOString().slice(0, 10), cpus: os.availableParallelism(), node: process.version }
say(`Kiln benchmarks — ${results.date}, ${results.cpus} cores, Node ${results.node}\n`)

if (only === 'all' || only === 'runtime') {
  const r = (results.runtime = await runtimeBench())
  const ms = (x) => `${x.median.toFixed(1)} ms (${x.min.toFixed(1)}–${x.max.toFixed(1)})`
  const row = (label, value, budget, ok) => say(`  ${label.padEnd(40)} ${value.padStart(24)}   budget ${budget.padEnd(10)} ${ok ? 'met' : 'MISSED'}`)
  say('kiln-assets/runtime')
  row(`load a 10,000-asset manifest (${(r.manifestBytes / 1e6).toFixed(1)} MB)`, ms(r.loadMs), '≤ 20 ms', r.loadMs.median <= 20)
  say(`    floor: readFileSync + JSON.parse alone ${ms(r.readParseFloorMs)}; Kiln's own work ${(r.loadMs.median - r.readParseFloorMs.median).toFixed(1)} ms`)
  say(`    at boot (fresh process, cold JIT): ${ms(r.bootLoadMs)}`)
  row('url() lookups', `${(r.lookupsPerSecond.median / 1e6).toFixed(1)} M/s (${(r.lookupsPerSecond.min / 1e6).toFixed(0)}–${(r.lookupsPerSecond.max / 1e6).toFixed(0)})`, '≥ 10 M/s', r.lookupsPerSecond.median >= 1e7)
  row('size, minified + gzipped', `${r.sizeBytes.minGzip} B`, '≤ 3072 B', r.sizeBytes.minGzip <= 3072)
  say('')
}

if (only === 'all' || only === 'build') {
  const { buildBench } = await import('./build.mjs')
  say(`Builds, ${scale} corpus, median of ${runs} (progress):`)
  const b = (results.build = await buildBench({ scale, runs, peers, cases, log: (s) => say(`  … ${s}`) }))
  const r = b.results
  const t = (k) => r[k]?.median
  say(`\n${scale} corpus: ${b.corpus.files} files, ${(b.corpus.bytes / 1e6).toFixed(1)} MB; ${b.compressedFiles} compressible outputs\n`)
  say(`  ${'case'.padEnd(26)} ${'median'.padStart(9)} ${'min–max'.padStart(15)} ${'× floor'.padStart(8)} ${'peak RSS'.padStart(10)}`)
  for (const [k, v] of Object.entries(r)) {
    const ratio = t('floor') ? (v.median / t('floor')).toFixed(2) : '–'
    say(`  ${k.padEnd(26)} ${`${v.median.toFixed(0)} ms`.padStart(9)} ${`${v.min.toFixed(0)}–${v.max.toFixed(0)}`.padStart(15)} ${ratio.padStart(8)} ${`${(v.rss / 1048576).toFixed(0)} MB`.padStart(10)}`)
  }
  const targets = [
    ['cold ≤ 1.2× floor', t('kiln cold') / t('floor'), 1.2, '≤'],
    ['Vite ÷ Kiln cold ≥ 2', t('vite') / t('kiln cold'), 2, '≥'],
    ['webpack ÷ Kiln cold ≥ 7', t('webpack') / t('kiln cold'), 7, '≥'],
    ['warm no-op ≤ 0.15× cold', t('kiln warm (no-op)') / t('kiln cold'), 0.15, '≤'],
    ['10 edits ≤ 0.6× cold', t('kiln 10 modules edited') / t('kiln cold'), 0.6, '≤'],
    ['cold compressed ≤ 1.15× (floor + compression floor)', t('kiln cold, compressed') / (t('floor') + t('compression floor')), 1.15, '≤'],
    ['warm compressed ≤ 1.1× warm', t('kiln warm, compressed') / t('kiln warm (no-op)'), 1.1, '≤'],
    ['peak RSS ≤ 1.5× floor (target on large)', r['kiln cold']?.rss / r.floor?.rss, 1.5, '≤'],
  ]
  results.targets = {}
  say('\nTargets:')
  for (const [label, value, limit, op] of targets) {
    if (!Number.isFinite(value)) continue
    const ok = op === '≤' ? value <= limit : value >= limit
    results.targets[label] = { value, limit, ok }
    say(`  ${label.padEnd(52)} ${value.toFixed(2).padStart(6)}   ${ok ? 'met' : 'MISSED'}`)
  }
}

if (json) console.log(JSON.stringify(results, null, 2))
