// Build benchmarks on a generated corpus: Kiln cold, warm (no-op), after 10 edited modules,
// cold and warm with compression; the floor (esbuild + hash/copy in one process); the
// compression floor (brotli 11 + gzip 9 of the same files on every core); Vite and webpack.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { generate } from './corpus.mjs'
import { measure, median } from './measure.mjs'
import { isCompressible } from '../../dist/workers/asset-jobs.js'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const KILN = path.join(HERE, '../../bin/kiln.js')
const NODE = process.execPath

export async function buildBench({ scale = 'medium', runs = 3, peers = true, cases = null, log = () => {} } = {}) {
  const corpus = generate(path.join(HERE, 'corpus', scale), scale)
  const dir = corpus.dir
  const out = (name) => path.join(dir, 'out', name)
  const rm = (...ps) => ps.forEach((p) => fs.rmSync(p, { recursive: true, force: true }))
  const kiln = (name, ...flags) => [KILN, 'build', '--root', 'src', '--out', out(name), '--cache-dir', path.join(dir, '.cache', name), '--quiet', ...flags]
  const results = {}

  async function run(label, setup, cmd, args, env) {
    if (cases && !cases.includes(label)) return
    const times = []
    const rss = []
    for (let i = 0; i < runs; i++) {
      await setup(i)
      const r = await measure(cmd, args, { cwd: dir, env })
      times.push(r.ms)
      rss.push(r.rss)
    }
    results[label] = { median: median(times), min: Math.min(...times), max: Math.max(...times), rss: Math.max(...rss), runs: times }
    log(`${label.padEnd(24)} ${median(times).toFixed(0).padStart(6)} ms`)
  }

  // Modules edited for the rebuild case: 10 of them, a real code change each time.
  const modules = fs.readdirSync(path.join(corpus.src, 'lib'), { recursive: true }).filter((f) => f.endsWith('.ts')).sort().slice(0, 10)
  const originals = new Map(modules.map((m) => [m, fs.readFileSync(path.join(corpus.src, 'lib', m), 'utf8')]))
  let edit = 0
  const editTen = () => {
    edit++
    for (const [m, text] of originals) fs.writeFileSync(path.join(corpus.src, 'lib', m), text.replace(/\+ x\n/, `+ x + ${edit}\n`))
  }
  const restore = () => originals.forEach((text, m) => fs.writeFileSync(path.join(corpus.src, 'lib', m), text))

  try {
    await run('floor', () => rm(out('floor')), NODE, [path.join(HERE, 'floor.mjs'), 'src', out('floor')])
    await run('kiln cold', () => rm(out('kiln'), path.join(dir, '.cache/kiln')), NODE, kiln('kiln', '--no-compress'))
    await run('kiln warm (no-op)', () => {}, NODE, kiln('kiln', '--no-compress'))
    await run('kiln 10 modules edited', editTen, NODE, kiln('kiln', '--no-compress'))
    restore()
    await run('kiln cold, compressed', () => rm(out('kilnz'), path.join(dir, '.cache/kilnz')), NODE, kiln('kilnz'))
    await run('kiln warm, compressed', () => {}, NODE, kiln('kilnz'))
    const manifestFile = path.join(out('kilnz'), 'manifest.json')
    if (fs.existsSync(manifestFile)) {
      const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'))
      const list = Object.keys(manifest.files).filter((f) => isCompressible(f, false)).map((f) => path.join(out('kilnz'), f))
      fs.writeFileSync(path.join(dir, 'compress-list.txt'), list.join('\n'))
    }
    await run('compression floor', () => rm(out('cfloor')), NODE, [path.join(HERE, 'compress-floor.mjs'), path.join(dir, 'compress-list.txt'), out('cfloor')])
    if (peers) {
      const env = { BENCH_SRC: corpus.src }
      await run('vite', () => rm(out('vite')), NODE, [path.join(HERE, 'node_modules/vite/bin/vite.js'), 'build', '--config', path.join(HERE, 'vite.config.mjs')], { ...env, BENCH_OUT: out('vite') })
      await run('webpack', () => rm(out('webpack')), NODE, [path.join(HERE, 'webpack-run.mjs')], { ...env, BENCH_OUT: out('webpack') })
    }
  } finally {
    restore()
  }
  return { scale, runs, corpus: { files: corpus.files, bytes: corpus.bytes }, results, compressedFiles: list_length(dir) }
}

function list_length(dir) {
  const f = path.join(dir, 'compress-list.txt')
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0
}
