// What a build loads, and in which order (issue 15, "Ways known to work" 3): esbuild gets the
// scripts before postcss and autoprefixer are even loaded, and a build that compiles no
// stylesheet (scripts alone, or a no-op) never loads them. Observed in the real CLI through
// a preloaded probe (node --import) that watches Node's module cache and esbuild's build().
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { kiln, project, remove, sampleApp } from './helpers.mjs'

const WATCHED = ['browserslist', 'autoprefixer', 'postcss', 'postcss-load-config']

/**
 * Preloaded into the CLI: at exit, and when esbuild is first asked to build, writes which of
 * the watched packages are loaded (their code, not the package.json files the cache key reads).
 */
const PROBE = `
import cp from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import threads from 'node:worker_threads'
const require = createRequire(import.meta.url)
const watched = ${JSON.stringify(WATCHED)}
const loaded = () => watched.filter((p) => Object.keys(require.cache).some((k) => k.includes('/node_modules/' + p + '/') && !k.endsWith('/package.json')))
const log = (line) => fs.appendFileSync(process.env.PROBE_LOG, JSON.stringify(line) + '\\n')
// esbuild's API talks to its service over the child's stdin; Kiln's scripts build is the
// request that carries its chunk names (the entry-import scan of discover.ts builds too).
const spawn = cp.spawn
let esbuildAsked = false
// Each worker thread Kiln starts (pool.ts takes the class from the module when it starts them).
const Worker = threads.Worker
threads.Worker = class extends Worker {
  constructor(...args) {
    super(...args)
    log({ worker: { beforeEsbuildBuild: !esbuildAsked } })
  }
}
cp.spawn = (command, ...rest) => {
  const child = spawn(command, ...rest)
  if (/esbuild/.test(String(command))) {
    const write = child.stdin.write
    let seen = false
    child.stdin.write = (chunk, ...more) => {
      if (!seen && Buffer.from(chunk).includes('chunks/[name]-[hash]')) (seen = true), (esbuildAsked = true), log({ esbuildBuild: loaded() })
      return write.call(child.stdin, chunk, ...more)
    }
  }
  return child
}
process.on('exit', () => log({ exit: loaded() }))
`

/** Runs `kiln build` in `dir` with the probe; resolves { esbuildBuild, exit } from its log. */
async function probedBuild(dir, flags = []) {
  const probe = path.join(dir, 'probe.mjs')
  const log = path.join(dir, 'probe.log')
  fs.writeFileSync(probe, PROBE)
  fs.rmSync(log, { force: true })
  const r = await kiln(['build', ...flags], { cwd: dir, env: { NODE_OPTIONS: `--import ${pathToFileURL(probe).href}`, PROBE_LOG: log } })
  assert.is(r.code, 0, r.stderr + r.stdout)
  const lines = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  return Object.assign({ workers: lines.filter((l) => l.worker).map((l) => l.worker) }, ...lines.filter((l) => !l.worker))
}

const order = suite('start-up order of a cold build')

order('should hand esbuild the scripts before postcss and autoprefixer are loaded, then build the stylesheets', async () => {
  const dir = sampleApp()
  try {
    const seen = await probedBuild(dir)
    assert.equal(seen.esbuildBuild, ['browserslist'], 'loaded when esbuild got the scripts')
    assert.equal(seen.exit, ['browserslist', 'autoprefixer', 'postcss'], 'loaded by the end of the build')
  } finally {
    remove(dir)
  }
})

const lazy = suite('the CSS tools load only for stylesheets')

lazy('should never load postcss or autoprefixer for a build of scripts alone', async () => {
  const dir = project({ 'assets/app.ts': "import { n } from './lib/n'\nconsole.log(n)\n", 'assets/lib/n.ts': 'export const n: number = 1\n', 'package.json': '{}' })
  try {
    assert.equal((await probedBuild(dir)).exit, ['browserslist'])
  } finally {
    remove(dir)
  }
})

lazy('should load none of the compile tools on a no-op rebuild', async () => {
  const dir = sampleApp()
  try {
    await probedBuild(dir)
    assert.equal((await probedBuild(dir)).exit, [])
  } finally {
    remove(dir)
  }
})

lazy('should load postcss and autoprefixer for CSS a script imports', async () => {
  const dir = project({ 'assets/app.ts': "import './app.css'\nconsole.log(1)\n", 'assets/app.css': '.a { user-select: none }\n', 'package.json': '{"browserslist": ["safari 12"]}' })
  try {
    assert.equal((await probedBuild(dir)).exit, ['browserslist', 'autoprefixer', 'postcss'])
    const css = fs.readdirSync(path.join(dir, 'public/assets'), { recursive: true }).find((f) => f.endsWith('.css'))
    assert.match(fs.readFileSync(path.join(dir, 'public/assets', css), 'utf8'), '-webkit-user-select')
  } finally {
    remove(dir)
  }
})

const threadStart = suite('worker threads start when a build will need them')

/** An app with `n` small static files (more than the 400 hashed on the main thread) and a script. */
function manyStatics(n) {
  const files = { 'package.json': '{}', 'assets/app.ts': 'console.log(1)\n' }
  for (let i = 0; i < n; i++) files[`assets/data/f${i}.txt`] = `file ${i}\n`
  return project(files)
}

threadStart('should start them before esbuild builds when more static files are new than this thread hashes itself', async () => {
  const dir = manyStatics(450)
  try {
    const { workers } = await probedBuild(dir)
    assert.ok(workers.length >= 1, 'started')
    assert.ok(workers.every((w) => w.beforeEsbuildBuild), 'booting while the build starts, not after esbuild has the scripts')
  } finally {
    remove(dir)
  }
})

threadStart('should start none on a rebuild that changed nothing, nor early for a few new files', async () => {
  const dir = manyStatics(450)
  try {
    await probedBuild(dir)
    assert.equal((await probedBuild(dir)).workers, [], 'no-op')
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(dir, `assets/data/new${i}.txt`), `new ${i}\n`)
    // (The recompiled script's precompressed variants may start them afterwards: that is work for them.)
    assert.equal((await probedBuild(dir)).workers.filter((w) => w.beforeEsbuildBuild), [], 'twenty new files are hashed on the main thread')
  } finally {
    remove(dir)
  }
})

threadStart('should leave a core to the stylesheets and esbuild when only hashing, and take every core to compress', async () => {
  const dir = manyStatics(450)
  const cores = os.availableParallelism()
  try {
    assert.is((await probedBuild(dir, ['--no-compress'])).workers.length, Math.max(1, cores - 1), 'hashing and copying')
    fs.rmSync(path.join(dir, 'public'), { recursive: true })
    fs.rmSync(path.join(dir, '.kiln-cache'), { recursive: true, force: true })
    assert.is((await probedBuild(dir)).workers.length, cores, 'with brotli and gzip')
  } finally {
    remove(dir)
  }
})

order.run()
lazy.run()
threadStart.run()
