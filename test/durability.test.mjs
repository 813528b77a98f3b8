// Durability: every file a manifest names is on disk for good before that manifest is
// written — its data fsynced, then renamed, then its directory (and each new parent up to the
// artifact directory) fsynced, all before the history copy and manifest.json are renamed in.
// A power cut cannot be staged in a test; what can be checked exactly is the order of the
// system calls, recorded by a preloaded hook (node --import, which worker threads inherit).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { kiln, manifestOf, remove, sampleApp, write } from './helpers.mjs'

const OUT = 'public/assets'

/** A hook that logs, in order of completion, every fsync (by the path its fd was opened with) and rename. */
function hook(dir) {
  const file = path.join(dir, 'fs-events.mjs')
  const log = path.join(dir, 'fs-events.log')
  fs.writeFileSync(file, `
import fs from 'node:fs'
const append = fs.appendFileSync
const log = (...parts) => append(${JSON.stringify(log)}, parts.map(String).join('\\t') + '\\n')
const fdPath = new Map()
const openSync = fs.openSync
fs.openSync = function (p, ...rest) { const fd = openSync.call(this, p, ...rest); fdPath.set(fd, String(p)); return fd }
const open = fs.open
fs.open = function (p, ...rest) { const cb = rest.pop(); return open.call(this, p, ...rest, (err, fd) => { if (!err) fdPath.set(fd, String(p)); cb(err, fd) }) }
const popen = fs.promises.open
fs.promises.open = async function (p, ...rest) { const h = await popen.call(this, p, ...rest); fdPath.set(h.fd, String(p)); return h }
const probe = await popen(${JSON.stringify(process.execPath)}, 'r')
const FileHandle = probe.constructor
await probe.close()
for (const m of ['sync', 'datasync']) {
  const orig = FileHandle.prototype[m]
  FileHandle.prototype[m] = async function () { const fd = this.fd; const r = await orig.call(this); log('fsync', fdPath.get(fd)); return r }
}
for (const m of ['fsyncSync', 'fdatasyncSync']) {
  const orig = fs[m]
  fs[m] = function (fd) { const r = orig.call(this, fd); log('fsync', fdPath.get(fd)); return r }
}
for (const m of ['fsync', 'fdatasync']) {
  const orig = fs[m]
  fs[m] = function (fd, cb) { return orig.call(this, fd, (err) => { if (!err) log('fsync', fdPath.get(fd)); cb(err) }) }
}
const renameSync = fs.renameSync
fs.renameSync = function (a, b) { const r = renameSync.call(this, a, b); log('rename', a, b); return r }
const rename = fs.rename
fs.rename = function (a, b, cb) { return rename.call(this, a, b, (err) => { if (!err) log('rename', a, b); cb(err) }) }
const prename = fs.promises.rename
fs.promises.rename = async function (a, b) { const r = await prename.call(this, a, b); log('rename', a, b); return r }
`)
  return { env: { NODE_OPTIONS: `--import=${pathToFileURL(file).href}` }, log }
}

function events(log) {
  return fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => {
    const [kind, a, b] = line.split('\t')
    return { kind, a: path.resolve(a), b: b && path.resolve(b) }
  })
}

/**
 * Checks, for every file of the manifest this build renamed into place, that its data was
 * fsynced before the rename and every directory from its own up to the artifact directory
 * after it, all before the first manifest (the history copy) was renamed in. Returns how many
 * files were checked.
 */
function checkOrder(dir, log) {
  const out = path.join(dir, OUT)
  const ev = events(log)
  const live = path.join(out, 'manifest.json')
  const m = manifestOf(dir)
  const firstManifest = ev.findIndex((e) => e.kind === 'rename' && (e.b === live || path.dirname(e.b) === path.join(out, 'manifests')))
  assert.ok(firstManifest > 0, 'the manifest was renamed into place')
  let checked = 0
  for (const f of Object.keys(m.files)) {
    const dest = path.join(out, f)
    const i = ev.findLastIndex((e) => e.kind === 'rename' && e.b === dest)
    if (i < 0) continue // not written by this build
    checked++
    assert.ok(i < firstManifest, `${f} is in place before the manifest`)
    const temp = ev[i].a
    assert.ok(ev.slice(0, i).some((e) => e.kind === 'fsync' && e.a === temp), `${f}: its data is fsynced before its rename`)
    for (let d = path.dirname(dest); ; d = path.dirname(d)) {
      assert.ok(ev.slice(i + 1, firstManifest).some((e) => e.kind === 'fsync' && e.a === d), `${f}: ${path.relative(dir, d)} is fsynced after the rename, before the manifest`)
      if (d === out) break
    }
  }
  // And the manifests themselves, as before: data, rename, directory.
  const j = ev.findLastIndex((e) => e.kind === 'rename' && e.b === live)
  assert.ok(ev.slice(0, j).some((e) => e.kind === 'fsync' && e.a === ev[j].a), 'manifest.json is fsynced before its rename')
  assert.ok(ev.slice(j + 1).some((e) => e.kind === 'fsync' && e.a === out), 'and its directory after')
  return checked
}

const durable = suite('durable before the manifest')

durable('should fsync every file a build writes, and its directories, before the manifest that names it', async () => {
  // Compiled files, statics in new directories, a streamed (> 4 MiB) file and precompressed variants.
  const dir = sampleApp({ 'assets/data/big.json': JSON.stringify({ pad: 'x'.repeat(5 * 1024 * 1024) }), 'assets/fonts/deep/a.txt': 'a\n' })
  try {
    const { env, log } = hook(dir)
    let r = await kiln(['build'], { cwd: dir, env })
    assert.is(r.code, 0, r.stderr)
    const cold = checkOrder(dir, log)
    assert.ok(cold >= Object.keys(manifestOf(dir).files).length, `a cold build writes every file (${cold} checked)`)
    assert.ok(Object.keys(manifestOf(dir).files).some((f) => f.endsWith('.br')) && Object.keys(manifestOf(dir).files).some((f) => f.startsWith('fonts/deep/')))
    // A rebuild writes only what changed, and a file gone missing is written again (a repair).
    fs.writeFileSync(log, '')
    write(dir, { 'assets/lib/lazy.ts': "export function run(): void {\n  console.log('v2')\n}\n" })
    fs.rmSync(path.join(dir, OUT, manifestOf(dir).assets['fonts/deep/a.txt']))
    r = await kiln(['build'], { cwd: dir, env })
    assert.is(r.code, 0, r.stderr)
    assert.ok(checkOrder(dir, log) >= 2, 'the changed chunk and the repaired file were checked')
  } finally {
    remove(dir)
  }
})

durable('should fsync every directory of the artifact directory before the manifest when it takes over a killed build\'s lock', async () => {
  const dir = sampleApp({ 'assets/fonts/deep/a.txt': 'a\n' })
  try {
    const { env, log } = hook(dir)
    assert.is((await kiln(['build'], { cwd: dir })).code, 0)
    // What a killed build leaves: files renamed in (their directories maybe never fsynced) and its lock.
    const child = spawn(process.execPath, ['-e', ''])
    await new Promise((r) => child.on('exit', r))
    fs.writeFileSync(path.join(dir, OUT, '.kiln.lock'), JSON.stringify({ pid: child.pid, host: os.hostname(), since: '2026-11-22T00:00:00.000Z' }))
    fs.writeFileSync(log, '')
    write(dir, { 'assets/lib/lazy.ts': "export function run(): void {\n  console.log('v2')\n}\n" })
    const r = await kiln(['build'], { cwd: dir, env })
    assert.is(r.code, 0, r.stderr)
    const ev = events(log)
    const live = path.join(dir, OUT, 'manifest.json')
    const firstManifest = ev.findIndex((e) => e.kind === 'rename' && e.b === live)
    const out = path.join(dir, OUT)
    const dirs = [out, ...fs.readdirSync(out, { recursive: true, withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(e.parentPath ?? e.path, e.name))]
    for (const d of dirs) {
      if (path.basename(d) === '.kiln-tmp') continue
      const synced = ev.findIndex((e) => e.kind === 'fsync' && e.a === d)
      assert.ok(synced >= 0 && synced < firstManifest, `${path.relative(dir, d)} is fsynced before the manifest`)
    }
  } finally {
    remove(dir)
  }
})

durable.run()
