// npm run bench: the measuring instrument of issue 15, never a timed test. Builds are timed as
// child processes in one interleaved run (cases.mjs, measure.mjs) with artifacts and caches
// on tmpfs; then the runtime (runtime.mjs); then the report (report.mjs).
// Flags: --scale small|medium|large (default medium), --runs N (default 3), --only build|runtime,
// --cases 'default,webpack' (names from cases.mjs, 'default', 'all'), --no-peers, --json.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import { generate, SCALES } from './corpus.mjs'
import { DEFAULT_CASES, PEER_CASES, makeCases, selectCases } from './cases.mjs'
import { interleave } from './measure.mjs'
import { print, summarize } from './report.mjs'
import { runtimeBench } from './runtime.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const { values: opt } = parseArgs({
  options: {
    scale: { type: 'string', default: 'medium' },
    runs: { type: 'string', default: '3' },
    only: { type: 'string', default: 'all' },
    cases: { type: 'string', default: DEFAULT_CASES.join(',') },
    'no-peers': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
})
const runs = Number(opt.runs)
if (!SCALES[opt.scale]) throw new Error(`--scale is one of ${Object.keys(SCALES).join(', ')}`)
if (!(runs >= 1)) throw new Error('--runs is a number ≥ 1')
if (!['all', 'build', 'runtime'].includes(opt.only)) throw new Error('--only is build or runtime')
const say = opt.json ? () => {} : (s) => console.log(s)
const progress = opt.json ? () => {} : (s) => console.error(`  … ${s}`)

// Artifacts and caches on tmpfs: disk output flattered an earlier figure by almost 2×.
const TMPFS_MAGIC = 0x01021994
const onTmpfs = (dir) => {
  try {
    return fs.statfsSync(dir).type === TMPFS_MAGIC
  } catch {
    return false
  }
}
const base = ['/dev/shm', os.tmpdir()].find(onTmpfs)
if (!base) say(`NOTE: no tmpfs found (/dev/shm, ${os.tmpdir()}): artifacts and caches go to ${os.tmpdir()}, on disk; figures are not comparable to a tmpfs run.`)
const work = fs.mkdtempSync(path.join(base ?? os.tmpdir(), 'kiln-bench-'))
const cleanup = () => fs.rmSync(work, { recursive: true, force: true })
process.on('SIGINT', () => {
  cleanup()
  process.exit(130)
})

const raw = { date: new Date().toISOString().slice(0, 10), cpus: os.availableParallelism(), node: process.version, loadavg: { start: os.loadavg() }, places: { work, tmpfs: Boolean(base) } }
try {
  if (opt.only !== 'runtime') {
    const names = selectCases(opt.cases).filter((n) => !(opt['no-peers'] && PEER_CASES.includes(n)))
    if (names.some((n) => PEER_CASES.includes(n) && !fs.existsSync(path.join(HERE, 'node_modules', n)))) {
      progress('installing the peers (vite, webpack, …) into test/bench/node_modules')
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', HERE], { stdio: ['ignore', 'ignore', 'inherit'] })
    }
    progress(`corpus: ${opt.scale} (generated once into test/bench/corpus/${opt.scale})`)
    const corpus = generate(path.join(HERE, 'corpus', opt.scale), opt.scale)
    const results = await interleave(makeCases(names, { corpus, work }), { runs, log: progress })
    raw.build = { scale: opt.scale, runs, cases: names, corpus: { dir: corpus.dir, files: corpus.files, bytes: corpus.bytes }, results }
  }
  if (opt.only !== 'build') {
    progress('runtime: building the 10,000-asset manifest, then loading it')
    raw.runtime = await runtimeBench({ work })
  }
} finally {
  cleanup()
}
raw.loadavg.end = os.loadavg()
const summary = summarize(raw)
print(summary, say)
if (opt.json) console.log(JSON.stringify(summary, null, 2))
