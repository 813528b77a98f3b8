// The report: ratios and issue 15's targets from the measured figures, then printed as
// tables. summarize() returns what --json prints; print() writes the same for people.
import { median, stats } from './measure.mjs'

const num = (x, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
const ms = (x, digits = 0) => `${num(x, digits)} ms`
const mb = (bytes) => `${num(bytes / 1048576)} MB`
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–')

/** Kiln's own --json output of each run: time inside build(), the rest of the wall time (start-up, exit), each step's median. */
function kilnTimings({ outputs, runs: wall }) {
  const runs = outputs.map((o, i) => {
    try {
      return { ...JSON.parse(o.trim().split('\n').at(-1)), wall: wall[i] }
    } catch {
      return null
    }
  }).filter((r) => r?.steps?.timings)
  if (!runs.length) return undefined
  const steps = Object.fromEntries(Object.keys(runs[0].steps.timings).map((k) => [k, median(runs.map((r) => r.steps.timings[k] ?? 0))]))
  return { durationMs: median(runs.map((r) => r.durationMs)), outsideMs: median(runs.map((r) => r.wall - r.durationMs)), written: Math.max(...runs.map((r) => r.written ?? 0)), steps }
}

export function summarize(raw) {
  const { build, runtime } = raw
  const cases = {}
  for (const [name, r] of Object.entries(build?.results ?? {})) {
    const { outputs, ...rest } = r
    cases[name] = { ...rest, kiln: name.startsWith('kiln') ? kilnTimings(r) : undefined }
  }
  // Each ratio of medians, and of the same round's runs (interleaved, so they shared the machine's load).
  const RATIOS = [
    ['Kiln cold ÷ floor', ['kiln cold'], ['floor']],
    ['Kiln no-op ÷ no-op floor', ['kiln no-op'], ['no-op floor']],
    ['Vite ÷ floor', ['vite'], ['floor']],
    ['Vite ÷ Kiln cold', ['vite'], ['kiln cold']],
    ['webpack ÷ floor', ['webpack'], ['floor']],
    ['webpack ÷ Kiln cold', ['webpack'], ['kiln cold']],
    ['Kiln 10 edits ÷ Kiln cold', ['kiln 10 edits'], ['kiln cold']],
    ['Kiln cold br+gzip ÷ (floor + compression floor)', ['kiln cold br+gzip'], ['floor', 'compression floor']],
  ]
  const ratios = {}
  for (const [label, num, den] of RATIOS) {
    if (![...num, ...den].every((n) => cases[n])) continue
    const sum = (names, pick) => names.reduce((a, n) => a + pick(cases[n]), 0)
    const perRound = cases[num[0]].runs.map((_, i) => sum(num, (c) => c.runs[i]) / sum(den, (c) => c.runs[i]))
    ratios[label] = { ofMedians: sum(num, (c) => c.median) / sum(den, (c) => c.median), perRound: stats(perRound) }
  }
  const r = (label) => ratios[label]?.ofMedians

  const targets = []
  const target = (name, measured, shown, ok) => Number.isFinite(measured) && targets.push({ target: name, measured, shown, ok })
  const cold = r('Kiln cold ÷ floor')
  target('cold ≤ 2.0× floor', cold, ratio(cold), cold <= 2)
  target('  (on the way: cold ≤ 1.2× floor)', cold, ratio(cold), cold <= 1.2)
  const noop = r('Kiln no-op ÷ no-op floor')
  target('no-op ≤ 1.5× no-op floor', noop, ratio(noop), noop <= 1.5)
  if (runtime) {
    const load = runtime.inProcess.load.median / runtime.inProcess.parse.median
    target('runtime load ≤ 1.3× readFileSync + JSON.parse (in process)', load, ratio(load), load <= 1.3)
    const boot = runtime.fresh.load.median / runtime.fresh.parse.median
    target('  the same at boot (fresh processes)', boot, ratio(boot), boot <= 1.3)
    const perAsset = runtime.manifest.bytes / runtime.manifest.assets
    target('manifest ≤ 200 B/asset (10,000 assets)', perAsset, `${num(perAsset)} B`, perAsset <= 200)
  }
  // "Clearly": Vite slower at the median, and no overlap: every Kiln cold run beat every Vite run.
  if (cases.vite && cases['kiln cold']) {
    const v = r('Vite ÷ Kiln cold')
    const apart = cases['kiln cold'].max < cases.vite.min
    target('Vite clearly behind Kiln cold (Vite ÷ Kiln > 1, min–max apart)', v, `${ratio(v)}, ${apart ? 'apart' : 'overlap'}`, v > 1 && apart)
  }
  return { ...raw, build: build && { ...build, results: cases }, ratios, targets }
}

export function print(s, say) {
  say(`Kiln bench — ${s.date}, ${s.cpus} cores, Node ${s.node}, load average ${s.loadavg.start.map((x) => x.toFixed(2)).join(' ')} at start, ${s.loadavg.end.map((x) => x.toFixed(2)).join(' ')} at end`)
  say(`Artifacts and caches: ${s.places.work}${s.places.tmpfs ? ' (tmpfs)' : ' (NOT tmpfs: disk output flatters nothing and slows everything; figures not comparable)'}`)
  if (s.build) {
    const b = s.build
    say(`Corpus: ${b.scale}, ${num(b.corpus.files)} files, ${num(b.corpus.bytes / 1e6, 1)} MB, on disk at ${b.corpus.dir} (read from the page cache after the warm-up)`)
    say(`Interleaved: one warm-up round (not counted), then ${b.runs} rounds of ${b.cases.join(' → ')}; wall time of each process, median and min–max\n`)
    const rows = [['case', 'median', 'min–max', '× floor', 'peak RSS', 'Kiln in-process']]
    for (const [name, r] of Object.entries(b.results)) {
      rows.push([name, ms(r.median), `${num(r.min)}–${num(r.max)}`, ratio(r.median / b.results.floor?.median), r.rss ? mb(r.rss) : '–', r.kiln ? ms(r.kiln.durationMs) : ''])
    }
    table(rows, say)
    if (Object.keys(s.ratios).length) {
      say('')
      const rows = Object.entries(s.ratios).map(([k, v]) => [k, ratio(v.ofMedians), `${ratio(v.perRound.median)} (${ratio(v.perRound.min)}–${ratio(v.perRound.max)})`])
      table([['ratio', 'of medians', 'of each round’s runs: median (min–max)'], ...rows], say)
    }
    const kilns = Object.entries(b.results).filter(([, r]) => r.kiln)
    if (kilns.length) say("\nKiln's own step timings (its --json, medians; each step its own wall time, compile and static files overlap; start-up and exit = wall − in-process, per run):")
    for (const [name, r] of kilns) {
      const steps = Object.entries(r.kiln.steps).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${num(v)}`).join(', ')
      say(`  ${name}: start-up and exit ${ms(r.kiln.outsideMs)}; ${steps}; files written ${num(r.kiln.written)} at most`)
    }
  }
  if (s.runtime) {
    const r = s.runtime
    const range = (x) => `${ms(x.median, 1)} (${num(x.min, 1)}–${num(x.max, 1)})`
    const row = (label, p) => [label, `${p.load.runs.length}`, range(p.load), range(p.parse), ratio(p.load.median / p.parse.median), `${ratio(p.perPair.median)} (${ratio(p.perPair.min)}–${ratio(p.perPair.max)})`]
    say(`\nRuntime: kiln-assets/runtime on the manifest Kiln writes for ${num(r.manifest.assets)} static assets: ${num(r.manifest.bytes / 1e6, 2)} MB, ${num(r.manifest.bytes / r.manifest.assets)} B/asset (${num(r.manifest.compactBytes / r.manifest.assets)} without whitespace)`)
    say('Its load (loadManifest) against readFileSync + JSON.parse of the same file, interleaved pairs (after one not counted):\n')
    table([
      ['where', 'pairs', 'loadManifest', 'readFileSync + JSON.parse', 'ratio of medians', 'pair by pair'],
      row('this process (gc before each)', r.inProcess),
      row('fresh processes (the call, not the import)', r.fresh),
    ], say)
    say('')
    const l = r.lookupsPerSecond
    say(`  url() lookups ${num(l.median / 1e6, 1)} M/s (${num(l.min / 1e6, 1)}–${num(l.max / 1e6, 1)}), budget ≥ 10 M/s: ${l.median >= l.budget ? 'met' : 'MISSED'}`)
    say(`  size minified + gzipped ${num(r.sizeBytes.minGzip)} B, budget ≤ 3,072 B: ${r.sizeBytes.minGzip <= r.sizeBytes.budget ? 'met' : 'MISSED'}`)
  }
  if (s.targets.length) {
    say('\nIssue 15 targets:')
    table([['target', 'measured', ''], ...s.targets.map((x) => [x.target, x.shown, x.ok ? 'met' : 'MISSED'])], say)
  }
}

function table(rows, say) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  for (const r of rows) say(`  ${r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('   ')}`.trimEnd())
}
