// kiln-assets/runtime: lookups, errors and their messages, strict: false, escaping, host and
// prefix from the environment, reload, frozen results, and no build tooling at run time.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as esbuild from 'esbuild'
import { build } from '../dist/index.js'
import { AssetNotFoundError, ManifestError, fromManifest, loadManifest } from '../dist/runtime/index.js'
import { serveAssets } from '../dist/runtime/serve.js'
import { assetOf, manifestOf, project, remove, sampleApp, write, REPO } from './helpers.mjs'

const OUT = 'public/assets'
const built = async () => {
  const dir = sampleApp()
  await build({ cwd: dir, env: {} })
  return { dir, file: path.join(dir, OUT, 'manifest.json'), m: manifestOf(dir) }
}

const lookups = suite('lookups')

lookups('should answer url, integrity, has and entry from a built manifest', async () => {
  const { dir, file, m } = await built()
  try {
    const assets = loadManifest(file, { env: {} })
    const app = assetOf(m, 'app.ts')
    assert.is(assets.url('app.ts'), `/assets/${app.file}`)
    assert.is(assets.integrity('app.ts'), app.integrity)
    assert.ok(assets.has('app.ts'))
    assert.not.ok(assets.has('app.js'))
    const e = assets.entry('app.ts')
    assert.equal(e.css, app.css.map((f) => ({ url: `/assets/${f}`, integrity: m.files[f].integrity })))
    assert.equal(e.preload, app.imports.map((f) => ({ url: `/assets/${f}`, integrity: m.files[f].integrity })))
    assert.ok(Object.isFrozen(e) && Object.isFrozen(e.css) && Object.isFrozen(e.css[0]) && Object.isFrozen(assets))
    assert.is(assets.entry('app.ts'), e, 'the same object every time: built once, at the first lookup')
    assert.is(assets.source, file)
  } finally {
    remove(dir)
  }
})

lookups('should render stylesheet, modulepreload and module script tags with integrity and crossorigin', async () => {
  const { dir, file, m } = await built()
  try {
    const assets = loadManifest(file, { env: {} })
    const app = assetOf(m, 'app.ts')
    const attrs = (f) => `="/assets/${f}" integrity="${m.files[f].integrity}" crossorigin="anonymous"`
    assert.is(assets.tags('app.ts'), `<link rel="stylesheet" href${attrs(app.css[0])}><link rel="modulepreload" href${attrs(app.imports[0])}><script type="module" src${attrs(app.file)}></script>`)
    assert.is(assets.tags('site.css'), `<link rel="stylesheet" href${attrs(m.assets['site.css'])}>`)
    assert.is(assets.tags('site.css', { crossorigin: false, nonce: 'abc' }), `<link rel="stylesheet" href="/assets/${m.assets['site.css']}" integrity="${assetOf(m, 'site.css').integrity}" nonce="abc">`)
  } finally {
    remove(dir)
  }
})

lookups('should HTML-escape every attribute value', () => {
  const manifest = { version: 2, publicPath: '/a/', assets: { 'x.ts': 'x.js' }, files: { 'x.js': { integrity: 'sha384-AAAA', size: 1 } } }
  const assets = fromManifest(manifest, { host: 'https://h.example/"><script>', env: {} })
  const html = assets.tags('x.ts', { nonce: `"'<&>` })
  assert.not.ok(html.includes('"><script>'), html)
  assert.ok(html.includes('nonce="&quot;&#39;&lt;&amp;&gt;"'), html)
  assert.ok(html.includes('src="https://h.example/&quot;&gt;&lt;script&gt;/a/x.js"'), html)
})

lookups('should take the host from ASSET_HOST and the prefix from KILN_PUBLIC_PATH, options first', async () => {
  const { dir, file, m } = await built()
  try {
    const f = m.assets['site.css']
    assert.is(loadManifest(file, { env: { ASSET_HOST: 'https://cdn.example.com/' } }).url('site.css'), `https://cdn.example.com/assets/${f}`)
    assert.is(loadManifest(file, { env: { ASSET_HOST: 'cdn.example.com' } }).url('site.css'), `https://cdn.example.com/assets/${f}`)
    assert.is(loadManifest(file, { env: { KILN_PUBLIC_PATH: '/static' } }).url('site.css'), `/static/${f}`)
    assert.is(loadManifest(file, { env: { ASSET_HOST: 'https://a.example', KILN_PUBLIC_PATH: '/p/' }, host: 'https://b.example', publicPath: '/q/' }).url('site.css'), `https://b.example/q/${f}`)
  } finally {
    remove(dir)
  }
})

lookups('should default to KILN_MANIFEST, then public/assets/manifest.json in the working directory', async () => {
  const { dir, file } = await built()
  try {
    const cwd = process.cwd()
    process.chdir(dir)
    try {
      assert.is(loadManifest(undefined, { env: {} }).source, file)
    } finally {
      process.chdir(cwd)
    }
    fs.copyFileSync(file, path.join(dir, 'elsewhere.json'))
    assert.is(loadManifest(undefined, { env: { KILN_MANIFEST: path.join(dir, 'elsewhere.json') } }).source, path.join(dir, 'elsewhere.json'))
  } finally {
    remove(dir)
  }
})

lookups('should treat __proto__, constructor and toString as ordinary names', () => {
  const rec = { integrity: 'sha384-AAAA', size: 1 }
  const manifest = JSON.parse(`{"version":2,"publicPath":"/","assets":{"__proto__":"x.js","constructor":"__proto__"},"files":{"x.js":${JSON.stringify(rec)},"__proto__":${JSON.stringify(rec)}}}`)
  const assets = fromManifest(manifest, { env: {} })
  assert.is(assets.url('__proto__'), '/x.js')
  assert.is(assets.url('constructor'), '/__proto__')
  const dir = project({ 'manifest.json': JSON.stringify(manifest) })
  try {
    const loaded = loadManifest(path.join(dir, 'manifest.json'), { env: {} })
    assert.is(loaded.url('constructor'), '/__proto__', 'the same read from a file')
    assert.not.ok(loaded.has('toString'))
  } finally {
    remove(dir)
  }
  assert.not.ok(assets.has('toString'))
  assert.throws(() => assets.url('toString'), (e) => e instanceof AssetNotFoundError)
  assert.is({}.file, undefined, 'no prototype was touched')
})

lookups.run()

const missing = suite('unknown names')

missing('should throw AssetNotFoundError naming the manifest and up to three closest names', async () => {
  const { dir, file } = await built()
  try {
    const assets = loadManifest(file, { env: {} })
    const err = (() => {
      try {
        assets.url('app.js')
      } catch (e) {
        return e
      }
    })()
    assert.instance(err, AssetNotFoundError)
    assert.is(err.message, `Asset 'app.js' is not in the Kiln manifest ${file}; did you mean 'app.ts'?`)
    assert.equal(err.suggestions, ['app.ts'])
    for (const method of ['url', 'integrity', 'entry', 'tags']) assert.throws(() => assets[method]('nope.png'), (e) => e instanceof AssetNotFoundError)
    const near = (() => {
      try {
        assets.url('images/lgo.svg')
      } catch (e) {
        return e
      }
    })()
    assert.ok(near.suggestions.length >= 1 && near.suggestions.length <= 3 && near.suggestions[0] === 'images/logo.svg', near.message)
  } finally {
    remove(dir)
  }
})

missing('should return undefined instead with strict: false', async () => {
  const { dir, file } = await built()
  try {
    const assets = loadManifest(file, { strict: false, env: {} })
    for (const method of ['url', 'integrity', 'entry', 'tags']) assert.is(assets[method]('nope.png'), undefined)
    assert.ok(assets.url('app.ts').startsWith('/assets/app-'))
  } finally {
    remove(dir)
  }
})

missing.run()

const broken = suite('ManifestError at load')

const errorOf = (fn) => {
  try {
    fn()
  } catch (e) {
    return e
  }
  throw new Error('did not throw')
}

broken('should say a missing manifest does not exist, where, and what to run', () => {
  const e = errorOf(() => loadManifest('/nonexistent/manifest.json', { env: {} }))
  assert.instance(e, ManifestError)
  assert.is(e.message, 'Kiln manifest /nonexistent/manifest.json: does not exist (set KILN_MANIFEST, or pass the path). Run `kiln build` to write a valid manifest.')
})

broken('should reject invalid JSON, a version 1 manifest and an unknown version at load, each with its own message', () => {
  const dir = project({
    'bad.json': '{ "version": 2, ',
    'v1.json': JSON.stringify({ version: 1, publicPath: '/', assets: { 'a.js': { file: 'a-X.js', integrity: 'sha384-AAAA', size: 1, type: 'text/javascript' } }, files: { 'a-X.js': { integrity: 'sha384-AAAA', size: 1 } } }),
    'v3.json': JSON.stringify({ version: 3, publicPath: '/', assets: {}, files: {} }),
    'shape.json': JSON.stringify({ version: 2, publicPath: '/', assets: [] , files: {} }),
  })
  try {
    const msg = (f) => errorOf(() => loadManifest(path.join(dir, f), { env: {} })).message
    assert.match(msg('bad.json'), /: is not valid JSON \(.+\)\. Run `kiln build`/)
    assert.is(msg('v1.json'), `Kiln manifest ${path.join(dir, 'v1.json')}: is a version 1 manifest (written by kiln-assets < 0.2.0); this runtime reads version 2: rebuild it with kiln-assets ≥ 0.2.0. Run \`kiln build\` to write a valid manifest.`)
    assert.match(msg('v3.json'), ': is a version 3 manifest; this runtime reads version 2')
    assert.match(msg('shape.json'), ': has no "assets" object.')
    assert.instance(errorOf(() => fromManifest(null)), ManifestError)
    assert.instance(errorOf(() => fromManifest([])), ManifestError)
  } finally {
    remove(dir)
  }
})

broken('should reject a malformed record with its own message where it is first read: a lookup, or serveAssets at its start', () => {
  const v2 = (file, rec) => JSON.stringify({ version: 2, publicPath: '/', assets: { 'a.js': file }, files: rec ? { [file]: rec } : {} })
  const dir = project({
    'entry.json': v2('a-X.js', null),
    'escape.json': v2('../x.js', { integrity: 'sha384-AAAA', size: 1 }),
    'size.json': v2('x.js', { integrity: 'sha384-AAAA', size: -1 }),
    'list.json': v2('x.js', { integrity: 'sha384-AAAA', size: 1, css: ['nowhere.css'] }),
  })
  try {
    const msg = (f) => errorOf(() => loadManifest(path.join(dir, f), { env: {} }).url('a.js')).message
    assert.match(msg('entry.json'), ': assets["a.js"] names a file that is not in "files". Run `kiln build`')
    assert.match(msg('escape.json'), ': files["../x.js"] is not a relative path inside the artifact directory.')
    assert.match(msg('size.json'), ': files["x.js"].size is not a byte count.')
    assert.match(msg('list.json'), ': files["x.js"].css[0] names a file that is not in "files".')
    for (const f of ['escape.json', 'size.json', 'list.json']) {
      const e = errorOf(() => serveAssets({ manifest: path.join(dir, f), env: {} }))
      assert.instance(e, ManifestError, f)
    }
    assert.is(loadManifest(path.join(dir, 'size.json'), { env: {} }).has('nope'), false, 'other names are still answered')
  } finally {
    remove(dir)
  }
})

broken.run()

const reload = suite('reload: true')

reload('should pick up a new manifest after its mtime changes, and keep the last good one when it breaks', async () => {
  const { dir, file } = await built()
  try {
    const live = loadManifest(file, { reload: true, env: {} })
    const still = loadManifest(file, { env: {} })
    const before = live.url('images/logo.svg')
    write(dir, { 'assets/images/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>' })
    await build({ cwd: dir, env: {} })
    await new Promise((r) => setTimeout(r, 1100))
    const after = live.url('images/logo.svg')
    assert.is.not(after, before)
    assert.is(still.url('images/logo.svg'), before, 'without reload the table never changes')
    fs.writeFileSync(file, '{ broken')
    await new Promise((r) => setTimeout(r, 1100))
    assert.is(live.url('images/logo.svg'), after)
  } finally {
    remove(dir)
  }
})

reload.run()

const isolation = suite('no build tooling at run time')

function node(args, cwd, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH, ...env } })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('close', (code) => resolve({ code, out, err }))
  })
}

isolation('should look up and serve from a directory with only the runtime, serve and a manifest (no node_modules)', async () => {
  const { dir, m } = await built()
  const app = project({}, 'kiln-bare-')
  try {
    for (const f of fs.readdirSync(path.join(REPO, 'dist/runtime')).filter((f) => f.endsWith('.js'))) {
      fs.cpSync(path.join(REPO, 'dist/runtime', f), path.join(app, 'kiln', f))
    }
    fs.cpSync(path.join(dir, OUT), path.join(app, OUT), { recursive: true })
    fs.writeFileSync(path.join(app, 'app.mjs'), `
      import http from 'node:http'
      import { loadManifest } from './kiln/index.js'
      import { serveAssets } from './kiln/serve.js'
      const assets = loadManifest()
      const server = http.createServer(serveAssets()).listen(0, '127.0.0.1', async () => {
        const res = await fetch('http://127.0.0.1:' + server.address().port + assets.url('app.ts'))
        console.log(JSON.stringify({ status: res.status, body: await res.text(), url: assets.url('app.ts') }))
        server.close()
      })
    `)
    let up = app
    while (up !== path.dirname(up)) {
      assert.not.ok(fs.existsSync(path.join(up, 'node_modules')), `no node_modules at ${up}`)
      up = path.dirname(up)
    }
    const r = await node(['app.mjs'], app)
    assert.is(r.code, 0, r.err)
    const out = JSON.parse(r.out)
    assert.is(out.status, 200)
    assert.is(out.body, fs.readFileSync(path.join(dir, OUT, m.assets['app.ts']), 'utf8'))
  } finally {
    remove(dir)
    remove(app)
  }
})

isolation('should load no module but Node built-ins and its own files', async () => {
  const hook = `
    let port
    export function initialize(data) { port = data.port }
    export async function resolve(specifier, context, next) {
      const r = await next(specifier, context)
      port.postMessage(r.url)
      return r
    }`
  const script = `
    import { register } from 'node:module'
    import { MessageChannel } from 'node:worker_threads'
    const { port1, port2 } = new MessageChannel()
    const seen = []
    port1.on('message', (u) => seen.push(u))
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}), { data: { port: port2 }, transferList: [port2] })
    await import('kiln-assets/runtime')
    await import('kiln-assets/serve')
    await new Promise((r) => setTimeout(r, 100))
    port1.close()
    console.log(JSON.stringify(seen))`
  const r = await node(['--input-type=module', '-e', script], REPO)
  assert.is(r.code, 0, r.err)
  const seen = JSON.parse(r.out)
  assert.ok(seen.some((u) => u.endsWith('/dist/runtime/index.js')), r.out)
  for (const u of seen) assert.ok(u.startsWith('node:') || u.startsWith(`file://${REPO}/dist/runtime/`), `unexpected module ${u}`)
})

isolation('should work from CommonJS with one ManifestError class for runtime and serve', async () => {
  const r = await node(['-e', `
    const runtime = require('kiln-assets/runtime')
    const { serveAssets } = require('kiln-assets/serve')
    try { serveAssets({ manifest: '/nonexistent/manifest.json' }) } catch (e) { console.log(e instanceof runtime.ManifestError) }
  `], REPO)
  assert.is(r.code, 0, r.err)
  assert.is(r.out.trim(), 'true')
})

isolation('should stay within 3 KB minified and gzipped', async () => {
  const out = await esbuild.build({ entryPoints: [path.join(REPO, 'dist/runtime/index.js')], bundle: true, minify: true, platform: 'node', format: 'esm', write: false })
  const gz = zlib.gzipSync(out.outputFiles[0].contents, { level: 9 }).length
  assert.ok(gz <= 3072, `kiln-assets/runtime is ${gz} bytes min+gz`)
})

isolation.run()
