// The build cases, each one command run as a child process: what it runs, what is set up
// (untimed) before each run and once before the first. Every case has its own artifact and
// cache directories under `work` (tmpfs when there is one), so interleaving them is safe.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { measure } from './measure.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.join(HERE, '../..')
const NODE = process.execPath

/** Run by default, in this order within each round. */
export const DEFAULT_CASES = ['floor', 'kiln cold', 'kiln no-op', 'no-op floor', 'vite']
/** Only when named in --cases (or --cases all): webpack alone takes longer than the default cases together. */
export const OTHER_CASES = ['webpack', 'kiln 10 edits', 'kiln cold br+gzip', 'compression floor']
export const PEER_CASES = ['vite', 'webpack']

/** --cases 'default,webpack' → the named cases in their round order; 'all' is every case. */
export function selectCases(spec = 'default') {
  const all = [...DEFAULT_CASES, ...OTHER_CASES]
  const wanted = new Set(spec.split(',').map((s) => s.trim()).flatMap((s) => (s === 'default' ? DEFAULT_CASES : s === 'all' ? all : [s])))
  const unknown = [...wanted].filter((s) => !all.includes(s))
  if (unknown.length) throw new Error(`unknown case ${unknown.map((s) => `'${s}'`).join(', ')}: the cases are ${all.map((s) => `'${s}'`).join(', ')} (or 'default', 'all')`)
  return all.filter((s) => wanted.has(s))
}

const rm = (...ps) => ps.forEach((p) => fs.rmSync(p, { recursive: true, force: true }))

/** The case objects for `names`: { name, cmd, args, cwd, env?, prepare?, setup? }. */
export function makeCases(names, { corpus, work }) {
  const out = (name) => path.join(work, 'out', name)
  const cache = (name) => path.join(work, 'cache', name)
  const kiln = (name, src, ...flags) => [path.join(REPO, 'bin/kiln.js'), 'build', '--root', src, '--out', out(name), '--cache-dir', cache(name), '--json', ...flags]
  const run = (args) => measure(NODE, args, { cwd: corpus.dir })
  const peer = (name, script, args) => ({ name, cmd: NODE, args: [script, ...args], cwd: corpus.dir, env: { BENCH_SRC: corpus.src, BENCH_OUT: out(name) }, setup: () => rm(out(name)) })
  const editSrc = path.join(work, 'edit-src')
  let edit = 0

  const cases = {
    floor: { args: [path.join(HERE, 'floor.mjs'), corpus.src, out('floor')], setup: () => rm(out('floor')) },
    'kiln cold': { args: kiln('cold', corpus.src, '--no-compress'), setup: () => rm(out('cold'), cache('cold')) },
    // Built once before the warm-up round; every run after is a rebuild of unchanged sources.
    'kiln no-op': { args: kiln('noop', corpus.src, '--no-compress'), prepare: () => run(kiln('noop', corpus.src, '--no-compress')) },
    'no-op floor': { args: [path.join(HERE, 'noop-floor.mjs'), corpus.src, path.join(out('noop'), 'manifest.json')], prepare: () => run(kiln('noop', corpus.src, '--no-compress')) },
    vite: peer('vite', path.join(HERE, 'node_modules/vite/bin/vite.js'), ['build', '--config', path.join(HERE, 'vite.config.mjs')]),
    webpack: peer('webpack', path.join(HERE, 'webpack-run.mjs'), []),
    // On a copy of the sources (on tmpfs with the artifacts), so the other cases see no edit:
    // before each run, 10 modules get a real code change they did not have before.
    'kiln 10 edits': {
      args: kiln('edits', editSrc, '--no-compress'),
      prepare: () => {
        rm(editSrc)
        fs.cpSync(corpus.src, editSrc, { recursive: true })
        return run(kiln('edits', editSrc, '--no-compress'))
      },
      setup: () => {
        edit++
        const lib = path.join(editSrc, 'lib')
        const modules = fs.readdirSync(lib, { recursive: true }).filter((f) => f.endsWith('.ts')).sort().slice(0, 10)
        for (const m of modules) fs.writeFileSync(path.join(lib, m), fs.readFileSync(path.join(lib, m), 'utf8').replace(/\+ x( \+ \d+)?\n/, `+ x + ${edit}\n`))
      },
    },
    'kiln cold br+gzip': { args: kiln('coldz', corpus.src), setup: () => rm(out('coldz'), cache('coldz')) },
    // brotli 11 + gzip 9, on every core, of the files Kiln would compress.
    'compression floor': {
      args: [path.join(HERE, 'compress-floor.mjs'), path.join(work, 'compress-list.txt'), out('cfloor')],
      prepare: async () => {
        const { isCompressible } = await import(path.join(REPO, 'dist/workers/asset-jobs.js'))
        await run(kiln('cfloor-src', corpus.src, '--no-compress'))
        const files = fs.readdirSync(out('cfloor-src'), { recursive: true }).filter((f) => !f.startsWith('manifest') && isCompressible(f, false))
        fs.writeFileSync(path.join(work, 'compress-list.txt'), files.map((f) => path.join(out('cfloor-src'), f)).join('\n'))
      },
      setup: () => rm(out('cfloor')),
    },
  }
  return names.map((name) => ({ name, cmd: NODE, cwd: corpus.dir, ...cases[name] }))
}
