// What a long build shows while it runs: a live progress line on a terminal (a real pty,
// through util-linux's `script`), nothing of it when stderr is a pipe or with --json; and a
// message at once when another build holds the artifact directory.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { BIN, kiln, onTerminal, remove, sampleApp } from './helpers.mjs'

const line = suite('progress line')

line('should draw live progress on a terminal and erase it before the summary', async () => {
  const dir = sampleApp()
  try {
    // KILN_PROGRESS_AFTER=0: show the line from the start, so a small build shows it too.
    const r = onTerminal(['build', '--no-compress'], dir, { KILN_PROGRESS_AFTER: '0' })
    assert.is(r.code, 0, r.screen)
    assert.match(r.screen, /\r\x1b\[2Kkiln: [^\r\n]*(compile|static files \d+\/\d+)/)
    const summary = r.screen.lastIndexOf('Built 3 entries')
    assert.ok(summary > 0, r.screen)
    assert.ok(r.screen.lastIndexOf('\r\x1b[2K', summary) > r.screen.lastIndexOf('kiln: ', summary), 'the line is erased before the summary')
  } finally {
    remove(dir)
  }
})

line('should not draw it on a short build, with --json, or when stderr is not a terminal', async () => {
  const dir = sampleApp()
  try {
    // A build shorter than the delay shows only its summary (a long delay keeps this true on a loaded machine).
    const quick = onTerminal(['build'], dir, { KILN_PROGRESS_AFTER: '60000' })
    assert.is(quick.code, 0)
    assert.not.match(quick.screen, 'kiln: ', 'a build shorter than the delay shows only its summary')
    const json = onTerminal(['build', '--json'], dir, { KILN_PROGRESS_AFTER: '0' })
    assert.not.match(json.screen, 'kiln: ')
    const piped = await kiln(['build'], { cwd: dir, env: { KILN_PROGRESS_AFTER: '0' } })
    assert.is(piped.code, 0)
    assert.not.match(piped.stderr, 'kiln: ')
  } finally {
    remove(dir)
  }
})

line.run()

const waiting = suite('waiting for another build')

waiting('should say at once that it waits for the build in progress, then build', async () => {
  const dir = sampleApp()
  const holder = spawn('sleep', ['60'], { stdio: 'ignore' })
  const lock = path.join(dir, 'public/assets/.kiln.lock')
  try {
    fs.mkdirSync(path.dirname(lock), { recursive: true })
    fs.writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: os.hostname(), since: new Date().toISOString() }))
    const child = spawn(process.execPath, [BIN, 'build'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    for (let i = 0; i < 200 && !stderr.includes('waiting'); i++) await new Promise((r) => setTimeout(r, 50))
    assert.match(stderr, `waiting for the build in progress (pid ${holder.pid})…`)
    assert.not.ok(fs.existsSync(path.join(dir, 'public/assets/manifest.json')), 'nothing built while the lock is held')
    fs.rmSync(lock) // the other build finishes
    const code = await new Promise((resolve) => child.on('close', resolve))
    assert.is(code, 0, stderr)
    assert.ok(fs.existsSync(path.join(dir, 'public/assets/manifest.json')))
  } finally {
    holder.kill('SIGKILL')
    remove(dir)
  }
})

waiting.run()
