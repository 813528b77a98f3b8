// kiln-assets/runtime against hostile values and unlucky timing: objects whose getters or
// Proxy traps throw (or answer differently each time) only ever give ManifestError, and what
// was checked is what is used; a build that finishes while loadManifest reads at boot is
// picked up by reload, never pinned. Timing is provoked through a hook on fs, not by luck.
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ManifestError, fromManifest, loadManifest } from '../dist/runtime/index.js'
import { serveAssets } from '../dist/runtime/serve.js'
import { project, remove } from './helpers.mjs'

const SRI = 'sha384-' + 'A'.repeat(64)

function manifest(file = 'app-AAAAAAAA.js') {
  return {
    version: 2,
    publicPath: '/assets/',
    assets: { 'app.ts': file, 'c.css': 'c-BBBBBBBB.css' },
    files: {
      [file]: { integrity: SRI, size: 10, css: ['c-BBBBBBBB.css'], imports: [], encodings: { br: `${file}.br` } },
      [`${file}.br`]: { integrity: SRI, size: 5 },
      'c-BBBBBBBB.css': { integrity: SRI, size: 3 },
    },
  }
}

/** A Proxy every one of whose traps throws: reading it in any way at all throws. */
function poison() {
  const handler = new Proxy({}, { get: () => () => { throw new TypeError('trap') } })
  return new Proxy({}, handler)
}

/** What calling fn throws (undefined if nothing), never touching the thrown value itself. */
function thrown(fn) {
  try {
    fn()
  } catch (err) {
    return { err }
  }
  return undefined
}

const hostile = suite('fromManifest: getters and Proxies')

hostile('should give ManifestError, never TypeError, for throwing getters and Proxies anywhere in it', () => {
  const throwing = (thing) => ({ enumerable: true, get: () => { throw thing } })
  const cases = {
    'a getter on files that throws': (m) => Object.defineProperty(m, 'files', throwing(new TypeError('boom'))),
    'a getter on a file record that throws': (m) => Object.defineProperty(m.files, 'c-BBBBBBBB.css', throwing(new RangeError('boom'))),
    'a getter on a record field that throws': (m) => Object.defineProperty(m.files['app-AAAAAAAA.js'], 'size', throwing(new TypeError('boom'))),
    'a getter on an asset that throws': (m) => Object.defineProperty(m.assets, 'app.ts', throwing(new TypeError('boom'))),
    'a getter on a list entry that throws': (m) => Object.defineProperty(m.files['app-AAAAAAAA.js'].css, 0, throwing(new TypeError('boom'))),
    'a getter that throws a Proxy whose traps throw': (m) => Object.defineProperty(m, 'assets', throwing(poison())),
    'a getter that throws null': (m) => Object.defineProperty(m.files, 'x', throwing(null)),
    'a getter that throws a Symbol': (m) => Object.defineProperty(m.assets, 'x', throwing(Symbol('s'))),
    'a thrown object whose message getter throws': (m) => Object.defineProperty(m, 'publicPath', throwing({ get message() { throw new TypeError('message') } })),
    'the manifest itself a Proxy whose traps throw': () => poison(),
    'files a Proxy whose traps throw': (m) => ((m.files = poison()), m),
    'a file record a Proxy whose traps throw': (m) => ((m.files['c-BBBBBBBB.css'] = poison()), m),
    'encodings a Proxy whose traps throw': (m) => ((m.files['app-AAAAAAAA.js'].encodings = poison()), m),
    'a list a Proxy whose traps throw': (m) => ((m.files['app-AAAAAAAA.js'].imports = poison()), m),
    'assets a Proxy whose traps throw': (m) => ((m.assets = poison()), m),
    'a revoked Proxy as the manifest': () => {
      const r = Proxy.revocable({}, {})
      r.revoke()
      return r.proxy
    },
    'a Proxy whose ownKeys trap throws': (m) => new Proxy(m, { ownKeys() { throw new TypeError('keys') } }),
  }
  for (const [name, make] of Object.entries(cases)) {
    const m = manifest()
    const input = make(m) ?? m
    const t = thrown(() => fromManifest(input, { env: {}, source: 'hostile.json' }))
    assert.ok(t, `${name}: accepted`)
    // A real ManifestError, checked without trusting its prototype chain.
    assert.ok(Object.getPrototypeOf(t.err) === ManifestError.prototype, `${name}: threw something else`)
    assert.match(t.err.message, /^Kiln manifest hostile\.json: /, name)
  }
})

hostile('should use the values it checked, whatever a getter answers later', async () => {
  const m = manifest()
  // Valid when checked, then something else on every later read.
  const later = (first, then) => {
    let reads = 0
    return { enumerable: true, configurable: true, get: () => (reads++ ? then : first) }
  }
  Object.defineProperty(m.files['c-BBBBBBBB.css'], 'integrity', later(SRI, { toString: null }))
  Object.defineProperty(m.files['app-AAAAAAAA.js'], 'size', later(10, 'ten'))
  Object.defineProperty(m.assets, 'app.ts', later('app-AAAAAAAA.js', '../../etc/passwd'))
  Object.defineProperty(m.files['app-AAAAAAAA.js'].css, 0, later('c-BBBBBBBB.css', 'nope.css'))
  const assets = fromManifest(m, { env: {} })
  const css = `<link rel="stylesheet" href="/assets/c-BBBBBBBB.css" integrity="${SRI}" crossorigin="anonymous">`
  assert.is(assets.tags('app.ts'), `${css}<script type="module" src="/assets/app-AAAAAAAA.js" integrity="${SRI}" crossorigin="anonymous"></script>`)
  assert.is(assets.entry('app.ts').css[0].url, '/assets/c-BBBBBBBB.css')
  // kiln-assets/serve routes from the same checked copy: building its table reads nothing hostile.
  const dir = project({ 'public/assets/app-AAAAAAAA.js': '0123456789' })
  try {
    const logs = []
    const server = http.createServer(serveAssets({ assets, dir: path.join(dir, 'public/assets'), env: {}, log: (line) => logs.push(line) }))
    await new Promise((r) => server.listen(0, '127.0.0.1', r))
    try {
      const res = await fetch(`http://127.0.0.1:${server.address().port}/assets/app-AAAAAAAA.js`)
      assert.is(res.status, 200, logs.join('\n'))
      assert.is(res.headers.get('content-length'), '10')
      assert.is(await res.text(), '0123456789')
    } finally {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
    }
  } finally {
    remove(dir)
  }
})

hostile.run()

const boot = suite('loadManifest: a build finishing during boot')

/** Runs fn while the next fs.readFileSync (the runtime reading the manifest) triggers `after` once it has read. */
function afterNextRead(after, fn) {
  const real = fs.readFileSync
  let fired = false
  fs.readFileSync = function (...args) {
    const out = real.apply(this, args)
    if (!fired) {
      fired = true
      fs.readFileSync = real
      after()
    }
    return out
  }
  try {
    return fn()
  } finally {
    fs.readFileSync = real
    assert.ok(fired, 'the hook ran')
  }
}

/** Runs fn with Date.now `ms` ahead, so reload's once-a-second check is due without waiting. */
function later(ms, fn) {
  const real = Date.now
  Date.now = () => real() + ms
  try {
    return fn()
  } finally {
    Date.now = real
  }
}

/** What a build does: write the new manifest beside the old one, then rename it into place. */
function finishBuild(file, m, mtime) {
  const temp = `${file}.next`
  fs.writeFileSync(temp, JSON.stringify(m))
  fs.utimesSync(temp, mtime, mtime)
  fs.renameSync(temp, file)
}

boot('should pick up, on the next check, a build that renamed its manifest into place right after boot read the old one', () => {
  const dir = project({ 'manifest.json': JSON.stringify(manifest('app-AAAAAAAA.js')) })
  const file = path.join(dir, 'manifest.json')
  try {
    fs.utimesSync(file, 1000, 1000)
    const assets = afterNextRead(() => finishBuild(file, manifest('app-BBBBBBBB.js'), 2000), () => loadManifest(file, { reload: true, env: {} }))
    assert.is(assets.url('app.ts'), '/assets/app-AAAAAAAA.js', 'boot answers from what it read')
    assert.is(later(1500, () => assets.url('app.ts')), '/assets/app-BBBBBBBB.js', 'the new build is not pinned out')
  } finally {
    remove(dir)
  }
})

boot('should see a new manifest even when its mtime equals the old one', () => {
  const dir = project({ 'manifest.json': JSON.stringify(manifest('app-AAAAAAAA.js')) })
  const file = path.join(dir, 'manifest.json')
  try {
    fs.utimesSync(file, 1000, 1000)
    const assets = loadManifest(file, { reload: true, env: {} })
    finishBuild(file, manifest('app-CCCCCCCC.js'), 1000)
    assert.is(later(1500, () => assets.url('app.ts')), '/assets/app-CCCCCCCC.js')
  } finally {
    remove(dir)
  }
})

boot('should answer from what it read, never a raw fs error, when the manifest is removed right after boot read it', () => {
  const dir = project({ 'manifest.json': JSON.stringify(manifest('app-AAAAAAAA.js')) })
  const file = path.join(dir, 'manifest.json')
  try {
    for (const reload of [true, false]) {
      fs.writeFileSync(file, JSON.stringify(manifest('app-AAAAAAAA.js')))
      const assets = afterNextRead(() => fs.rmSync(file), () => loadManifest(file, { reload, env: {} }))
      assert.is(assets.url('app.ts'), '/assets/app-AAAAAAAA.js')
      assert.is(later(1500, () => assets.url('app.ts')), '/assets/app-AAAAAAAA.js', 'keeps the last good manifest')
    }
  } finally {
    remove(dir)
  }
})

boot.run()
