// The artifact directory's lock (<out>/.kiln.lock) under racing processes: however many
// take over a stale lock at once, exactly one holds it at any moment and exactly one of them
// took it over; a takeover left half-done by a killed process is finished by the next one.
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { acquireLock } from '../dist/lock.js'
import { project, remove, REPO } from './helpers.mjs'

const LOCK_JS = pathToFileURL(path.join(REPO, 'dist/lock.js')).href

/** The pid of a process that has exited: a holder that is certainly gone. */
async function deadPid() {
  const child = spawn(process.execPath, ['-e', ''])
  await new Promise((r) => child.on('exit', r))
  return child.pid
}

function staleLock(pid) {
  return JSON.stringify({ pid, host: os.hostname(), since: '2026-11-22T00:00:00.000Z', nonce: crypto.randomBytes(8).toString('hex') })
}

// A racer: waits for "go" on stdin, takes the lock, logs +pid, holds it briefly, logs -pid, releases.
// Each read of .kiln.lock sleeps a few ms after reading, which widens the window between judging
// the lock stale and acting on it: what a busy machine does now and then, every time.
const RACER = `
import fs from 'node:fs'
import path from 'node:path'
const [out, log] = process.argv.slice(-2)
const real = fs.readFileSync
const nap = new Int32Array(new SharedArrayBuffer(4))
fs.readFileSync = function (file, ...rest) {
  const r = real.call(this, file, ...rest)
  if (typeof file === 'string' && path.basename(file) === '.kiln.lock') Atomics.wait(nap, 0, 0, 2 + Math.random() * 8)
  return r
}
const { acquireLock } = await import(${JSON.stringify(LOCK_JS)})
process.stdout.write('ready\\n')
await new Promise((r) => process.stdin.once('data', r))
const lock = await acquireLock(out, out, [], 60_000)
fs.appendFileSync(log, '+' + process.pid + '\\n')
await new Promise((r) => setTimeout(r, 15))
fs.appendFileSync(log, '-' + process.pid + '\\n')
lock.release()
process.stdout.write(lock.recovered ? 'recovered\\n' : 'waited\\n')
`

function racer(out, log) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', RACER, out, log], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const ready = new Promise((resolve) => {
    const check = () => (stdout.includes('ready') ? resolve() : child.stdout.once('data', check))
    check()
  })
  const done = new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
  return { child, ready, done }
}

const takeover = suite('stale-lock takeover by racing processes')

takeover('should let exactly one of many racing processes hold the lock at a time, and exactly one take over the stale one', async () => {
  const out = project({}, 'kiln-lock-')
  const log = path.join(out, '..', `${path.basename(out)}.log`)
  const RACERS = 10
  const ROUNDS = 6
  try {
    for (let round = 0; round < ROUNDS; round++) {
      fs.writeFileSync(path.join(out, '.kiln.lock'), staleLock(await deadPid()))
      fs.writeFileSync(log, '')
      const racers = Array.from({ length: RACERS }, () => racer(out, log))
      await Promise.all(racers.map((r) => r.ready))
      for (const r of racers) r.child.stdin.end('go\n')
      const results = await Promise.all(racers.map((r) => r.done))
      for (const r of results) assert.is(r.code, 0, r.stderr)
      let holders = 0
      let most = 0
      for (const line of fs.readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
        holders += line.startsWith('+') ? 1 : -1
        most = Math.max(most, holders)
      }
      assert.is(most, 1, `round ${round}: at most one holder at any moment`)
      assert.is(results.filter((r) => r.stdout.includes('recovered')).length, 1, `round ${round}: exactly one took the stale lock over`)
      assert.equal(fs.readdirSync(out), [], `round ${round}: no lock or scratch files left`)
    }
  } finally {
    remove(out)
    fs.rmSync(log, { force: true })
  }
})

takeover('should finish a takeover that a killed process left half-done (its claim on the stale lock)', async () => {
  const out = project({}, 'kiln-lock-')
  try {
    const stale = staleLock(await deadPid())
    fs.writeFileSync(path.join(out, '.kiln.lock'), stale)
    // What a process killed right after claiming the stale lock leaves: its claim, naming it.
    const claim = `.kiln.lock.claim-${crypto.createHash('sha256').update(stale).digest('hex').slice(0, 16)}`
    fs.writeFileSync(path.join(out, claim), staleLock(await deadPid()))
    const lock = await acquireLock(out, out, [], 5_000)
    assert.ok(lock.recovered)
    assert.equal(fs.readdirSync(out), ['.kiln.lock'], 'the dead claim is gone')
    assert.is(JSON.parse(fs.readFileSync(path.join(out, '.kiln.lock'), 'utf8')).pid, process.pid)
    lock.release()
    assert.equal(fs.readdirSync(out), [])
  } finally {
    remove(out)
  }
})

takeover('should wait for, not take over, a live holder and a young unreadable lock', async () => {
  const out = project({}, 'kiln-lock-')
  try {
    const live = JSON.stringify({ pid: process.pid, host: os.hostname(), since: '2026-11-22T00:00:00.000Z', nonce: 'x' })
    for (const content of [live, '', '{"pid":']) {
      fs.writeFileSync(path.join(out, '.kiln.lock'), content)
      const err = await acquireLock(out, out, [], 200).catch((e) => e)
      assert.match(err?.errors?.[0]?.text ?? String(err), 'is writing to', JSON.stringify(content))
      assert.is(fs.readFileSync(path.join(out, '.kiln.lock'), 'utf8'), content, 'left as it was')
    }
    // The same unreadable lock once it is old: whoever wrote it is long gone.
    fs.utimesSync(path.join(out, '.kiln.lock'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000))
    const lock = await acquireLock(out, out, [], 5_000)
    assert.ok(lock.recovered)
    lock.release()
  } finally {
    remove(out)
  }
})

takeover.run()
