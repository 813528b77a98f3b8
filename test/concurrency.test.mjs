// Concurrent builds on one output directory: each finishes (they take turns on the lock)
// and the final manifest verifies and equals one complete build's.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { kiln, project, remove, sampleApp, write } from './helpers.mjs'

const concurrent = suite('concurrent builds')

async function reference(files) {
  const dir = sampleApp(files)
  const r = await kiln(['build', '--quiet'], { cwd: dir })
  assert.is(r.code, 0, r.stderr)
  const bytes = fs.readFileSync(path.join(dir, 'public/assets/manifest.json'))
  remove(dir)
  return bytes
}

concurrent('should let three builds of the same sources finish, repeatedly, with a complete manifest', async () => {
  const dir = sampleApp()
  try {
    for (let round = 0; round < 4; round++) {
      const lazy = { 'assets/lib/lazy.ts': `export function run(): void {\n  console.log('round ${round}')\n}\n` }
      write(dir, lazy)
      const runs = await Promise.all([1, 2, 3].map(() => kiln(['build', '--quiet'], { cwd: dir })))
      for (const r of runs) assert.is(r.code, 0, r.stderr)
      assert.is((await kiln(['verify'], { cwd: dir })).code, 0)
      assert.ok(fs.readFileSync(path.join(dir, 'public/assets/manifest.json')).equals(await reference(lazy)), `round ${round}: equals one complete build`)
    }
  } finally {
    remove(dir)
  }
})

concurrent('should let builds of different sources into one directory finish, leaving one of them complete', async () => {
  const shared = project({}, 'kiln-shared-out-')
  const a = sampleApp({ 'assets/robots.txt': 'A\n' })
  const b = sampleApp({ 'assets/robots.txt': 'B\n', 'assets/extra.css': '.b { color: blue }\n' })
  try {
    const out = path.join(shared, 'assets')
    // Each project's complete build into this same directory (maps point at sources relative to it), one at a time.
    const refs = []
    for (const dir of [a, b]) {
      assert.is((await kiln(['build', '--out', out, '--quiet'], { cwd: dir })).code, 0)
      refs.push(fs.readFileSync(path.join(out, 'manifest.json')))
    }
    assert.not.ok(refs[0].equals(refs[1]))
    for (let round = 0; round < 3; round++) {
      const runs = await Promise.all([kiln(['build', '--out', out, '--quiet'], { cwd: a }), kiln(['build', '--out', out, '--quiet'], { cwd: b }), kiln(['build', '--out', out, '--quiet'], { cwd: round % 2 ? a : b })])
      for (const r of runs) assert.is(r.code, 0, r.stderr)
      assert.is((await kiln(['verify', '--out', out], { cwd: a })).code, 0)
      const final = fs.readFileSync(path.join(out, 'manifest.json'))
      assert.ok(refs.some((r) => r.equals(final)), `round ${round}: the final manifest is A's or B's, whole`)
    }
  } finally {
    for (const d of [shared, a, b]) remove(d)
  }
})

concurrent('should fail clearly when the lock is held for longer than a build waits', async () => {
  const dir = sampleApp()
  try {
    fs.mkdirSync(path.join(dir, 'public/assets'), { recursive: true })
    fs.writeFileSync(path.join(dir, 'public/assets/.kiln.lock'), JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), since: '2026-11-22T00:00:00.000Z' }))
    const { build } = await import('../dist/index.js')
    const { acquireLock } = await import('../dist/lock.js')
    const err = await acquireLock(path.join(dir, 'public/assets'), dir, [], 300).catch((e) => e)
    assert.match(err.errors[0].text, `Another kiln process (pid ${process.pid} on `)
    assert.match(err.errors[0].notes[0].text, 'if no other kiln is running, remove public/assets/.kiln.lock')
    fs.writeFileSync(path.join(dir, 'public/assets/.kiln.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname(), since: 'x' }))
    const r = await build({ cwd: dir, env: {} })
    assert.ok(r.ok, 'a lock whose process is gone is taken over')
  } finally {
    remove(dir)
  }
})

concurrent.run()
