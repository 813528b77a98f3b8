// npm run bench: prints each benchmark's medians and ranges against its budget or floor;
// --json prints one JSON object instead.
import { runtimeBench } from './runtime.mjs'

const json = process.argv.includes('--json')
const results = { date: new Date().toISOString().slice(0, 10), cpus: (await import('node:os')).cpus().length, node: process.version }
results.runtime = await runtimeBench()

if (json) {
  console.log(JSON.stringify(results, null, 2))
} else {
  const r = results.runtime
  const row = (label, value, budget, ok) => console.log(`  ${label.padEnd(34)} ${value.padStart(22)}   budget ${budget.padEnd(10)} ${ok ? 'ok' : 'MISSED'}`)
  console.log(`Kiln benchmarks — ${results.date}, ${results.cpus} cores, Node ${results.node}\n`)
  console.log('kiln/runtime')
  const ms = (x) => `${x.median.toFixed(1)} ms (${x.min.toFixed(1)}–${x.max.toFixed(1)})`
  row(`load a 10,000-asset manifest (${(r.manifestBytes / 1e6).toFixed(1)} MB)`, ms(r.loadMs), '≤ 20 ms', r.loadMs.median <= 20)
  console.log(`    floor: readFileSync + JSON.parse alone ${ms(r.readParseFloorMs)}; Kiln's own work ${(r.loadMs.median - r.readParseFloorMs.median).toFixed(1)} ms`)
  console.log(`    at boot (fresh process, cold JIT): ${ms(r.bootLoadMs)}`)
  row('url() lookups', `${(r.lookupsPerSecond.median / 1e6).toFixed(1)} M/s (${(r.lookupsPerSecond.min / 1e6).toFixed(0)}–${(r.lookupsPerSecond.max / 1e6).toFixed(0)})`, '≥ 10 M/s', r.lookupsPerSecond.median >= 1e7)
  row('size, minified + gzipped', `${r.sizeBytes.minGzip} B`, '≤ 3072 B', r.sizeBytes.minGzip <= 3072)
}
