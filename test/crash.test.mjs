// Crash safety: kill `kiln build` (and clean, and watch) with SIGKILL at random moments,
// seeded. After every kill the manifest on disk is byte-identical to the previous build's
// or to the one the next build writes, `kiln verify` passes, and the next build succeeds
// and leaves no temp file. npm test runs a sample; KILN_FULL_TESTS=1 runs the full counts.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { generate, mulberry32 } from './bench/corpus.mjs'
import { kiln, project, remove, REPO } from './helpers.mjs'

const FULL = process.env.KILN_FULL_TESTS === '1'
const BUILD_TRIALS = FULL ? 60 : 12
const CLEAN_TRIALS = FULL ? 10 : 3
const WATCH_TRIALS = FULL ? 10 : 3
const OUT = 'out'
const ARGS = ['--root', 'src', '--out', OUT, '--cache-dir', '.cache', '--brotli-quality', '5']


const manifestBytes = (dir) => (fs.existsSync(path.join(dir, OUT, 'manifest.json')) ? fs.readFileSync(path.join(dir, OUT, 'manifest.json')) : null)

function leftovers(dir) {
  const found = []
  for (const base of [OUT, '.cache']) {
    const root = path.join(dir, base)
    if (!fs.existsSync(root)) continue
    for (const e of fs.readdirSync(root, { recursive: true })) if (String(e).endsWith('.kiln-tmp') || String(e).endsWith('.kiln.lock')) found.push(`${base}/${e}`)
  }
  return found
}

/** Starts a kiln child and SIGKILLs it after `ms` (if it is still running); resolves when it is gone. */
function killAfter(args, cwd, ms) {
  const child = spawn(process.execPath, [path.join(REPO, 'bin/kiln.js'), ...args], { cwd, stdio: 'ignore' })
  const timer = setTimeout(() => child.kill('SIGKILL'), ms)
  return new Promise((resolve) => child.on('exit', (code, signal) => (clearTimeout(timer), resolve(signal ?? code))))
}

async function checkAfterKill(dir, previous, label) {
  const onDisk = manifestBytes(dir)
  if (onDisk) {
    const v = await kiln(['verify', '--out', OUT], { cwd: dir })
    assert.is(v.code, 0, `${label}: verify after the kill: ${v.stderr}`)
  }
  const next = await kiln(['build', ...ARGS, '--quiet'], { cwd: dir })
  assert.is(next.code, 0, `${label}: the next build: ${next.stderr}`)
  const fresh = manifestBytes(dir)
  if (onDisk === null) assert.is(previous, null, `${label}: a manifest never disappears`)
  else assert.ok(onDisk.equals(fresh) || (previous !== null && onDisk.equals(previous)), `${label}: the manifest is the previous or the new build's`)
  assert.equal(leftovers(dir), [], `${label}: no temp files or lock left`)
  return fresh
}

function edit(dir, rand, n) {
  const lib = path.join(dir, 'src/lib')
  const files = fs.readdirSync(lib, { recursive: true }).filter((f) => String(f).endsWith('.ts')).sort()
  for (let i = 0; i < 3; i++) {
    const f = path.join(lib, files[Math.floor(rand() * files.length)])
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/\+ x( \+ \d+)?\n/, `+ x + ${n}\n`))
  }
  const statics = path.join(dir, 'src/static/docs')
  const doc = fs.readdirSync(statics, { recursive: true }).filter((f) => String(f).endsWith('.txt')).sort()[0]
  if (doc) fs.appendFileSync(path.join(statics, doc), `edit ${n}\n`)
}

const crash = suite('SIGKILL at random moments')

crash(`should survive ${BUILD_TRIALS} killed builds (rebuilds, cold builds, an emptied output directory)`, async () => {
  const dir = project({})
  try {
    generate(dir, 'small', 7)
    const rand = mulberry32(20261122)
    // How long each kind of build takes here, so the kills land while one runs: a rebuild
    // (cache warm) is much shorter than a cold build.
    const timed = async () => {
      const t0 = performance.now()
      assert.is((await kiln(['build', ...ARGS, '--quiet'], { cwd: dir })).code, 0)
      return performance.now() - t0
    }
    const coldDuration = await timed()
    edit(dir, rand, -1)
    const rebuildDuration = await timed()
    let previous = manifestBytes(dir)
    let killedMidway = 0
    for (let trial = 0; trial < BUILD_TRIALS; trial++) {
      const kind = trial % 6 === 5 ? 'empty' : trial % 3 === 0 ? 'cold' : 'rebuild'
      edit(dir, rand, trial)
      if (kind !== 'rebuild') fs.rmSync(path.join(dir, '.cache'), { recursive: true, force: true })
      if (kind === 'empty') {
        fs.rmSync(path.join(dir, OUT), { recursive: true, force: true })
        previous = null
      }
      const outcome = await killAfter(['build', ...ARGS, '--quiet'], dir, rand() * (kind === 'rebuild' ? rebuildDuration : coldDuration) * 1.1)
      if (outcome === 'SIGKILL') killedMidway++
      previous = await checkAfterKill(dir, previous, `trial ${trial} (${kind}, ${outcome})`)
    }
    console.log(`  build trials: ${BUILD_TRIALS}, killed mid-build: ${killedMidway}, survived: ${BUILD_TRIALS}`)
    assert.ok(killedMidway >= BUILD_TRIALS / 2, 'most kills land while the build runs')
  } finally {
    remove(dir)
  }
})

crash(`should survive ${CLEAN_TRIALS} killed cleans and ${WATCH_TRIALS} killed watches`, async () => {
  const dir = project({})
  try {
    generate(dir, 'small', 8)
    const rand = mulberry32(42)
    for (let trial = 0; trial < CLEAN_TRIALS; trial++) {
      for (let b = 0; b < 3; b++) {
        edit(dir, rand, 100 + trial * 3 + b)
        assert.is((await kiln(['build', ...ARGS, '--quiet'], { cwd: dir })).code, 0)
      }
      const previous = manifestBytes(dir)
      await killAfter(['clean', '--out', OUT, '--age', '0', '--keep', '0'], dir, 50 + rand() * 300)
      assert.ok(manifestBytes(dir).equals(previous), 'clean never touches the manifest')
      await checkAfterKill(dir, previous, `clean trial ${trial}`)
    }
    for (let trial = 0; trial < WATCH_TRIALS; trial++) {
      const previous = manifestBytes(dir)
      const child = spawn(process.execPath, [path.join(REPO, 'bin/kiln.js'), 'watch', ...ARGS], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
      await new Promise((resolve) => child.stdout.on('data', (d) => /Built/.test(d) && resolve()))
      edit(dir, rand, 500 + trial)
      await new Promise((r) => setTimeout(r, 100 + rand() * 800))
      child.kill('SIGKILL')
      await new Promise((r) => child.on('exit', r))
      await checkAfterKill(dir, previous, `watch trial ${trial}`)
    }
    console.log(`  clean trials: ${CLEAN_TRIALS}, watch trials: ${WATCH_TRIALS}, all survived`)
  } finally {
    remove(dir)
  }
})

crash.run()
