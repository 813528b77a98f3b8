// Precompression and the build cache: variants decompress to the original bytes and are
// listed; a corrupted, deleted or foreign cache gives byte-identical output; the no-op
// path is taken exactly when nothing that matters changed (asserted on --json steps).
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { assetEntries, assetOf, kiln, manifestOf, project, remove, sampleApp, sri, tree, write } from './helpers.mjs'

const OUT = 'public/assets'
// These apps have no node_modules, so the default cache is .kiln-cache (config.ts).
const CACHE = '.kiln-cache'

async function buildJson(dir, args = [], env = {}) {
  const r = await kiln(['build', '--json', ...args], { cwd: dir, env })
  assert.is(r.code, 0, r.stderr + r.stdout)
  return JSON.parse(r.stdout)
}

function textyApp(extra = {}) {
  return sampleApp({
    'assets/data/big.json': JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'] }))),
    'assets/images/tiny.svg': '<svg/>',
    // Enough text that the compiled entry compresses by 5% whatever names and hashes esbuild picks.
    'assets/app.ts': `import { greet } from './lib/shared'\nimport './lib/app.css'\nexport const msg: string = greet('app')\nexport const note = ${JSON.stringify('welcome back, '.repeat(8))}\nimport('./lib/lazy').then((m) => m.run())\n`,
    ...extra,
  })
}

const compression = suite('precompressed variants')

compression('should write br and gz variants that decompress to the original bytes, listed in files and encodings', async () => {
  const dir = textyApp()
  try {
    await buildJson(dir)
    const m = manifestOf(dir)
    let checked = 0
    for (const [name, a] of assetEntries(m)) {
      for (const [enc, file] of Object.entries(a.encodings ?? {})) {
        const bytes = fs.readFileSync(path.join(dir, OUT, file))
        const plain = enc === 'br' ? zlib.brotliDecompressSync(bytes) : zlib.gunzipSync(bytes)
        assert.ok(plain.equals(fs.readFileSync(path.join(dir, OUT, a.file))), `${name} ${enc}`)
        assert.equal(m.files[file], { integrity: sri(bytes), size: bytes.length })
        assert.ok(bytes.length <= a.size * 0.95, 'kept only when at least 5% smaller')
        checked++
      }
    }
    assert.ok(assetOf(m, 'data/big.json').encodings.br && assetOf(m, 'data/big.json').encodings.gzip)
    assert.ok(assetOf(m, 'app.ts').encodings.br, 'compiled JS too')
    assert.is(assetOf(m, 'images/tiny.svg').encodings, undefined, 'too small to gain 5%')
    assert.is(assetOf(m, 'images/dot.png').encodings, undefined, 'not a compressible type')
    assert.not.ok(Object.keys(m.files).some((f) => f.endsWith('.map.br')), 'maps only with compressSourceMaps')
    assert.ok(checked >= 5)
  } finally {
    remove(dir)
  }
})

compression('should honour --no-compress, --compress br and compressSourceMaps', async () => {
  const dir = textyApp()
  try {
    await buildJson(dir, ['--no-compress', '--out', 'none'])
    assert.not.ok(Object.keys(manifestOf(dir, 'none').files).some((f) => /\.(br|gz)$/.test(f)))
    await buildJson(dir, ['--compress', 'br', '--out', 'br'])
    const br = Object.keys(manifestOf(dir, 'br').files)
    assert.ok(br.some((f) => f.endsWith('.br')) && !br.some((f) => f.endsWith('.gz')))
    write(dir, { 'kiln.config.json': JSON.stringify({ compressSourceMaps: true, out: 'maps' }) })
    await buildJson(dir)
    assert.ok(Object.keys(manifestOf(dir, 'maps').files).some((f) => f.endsWith('.map.br')))
  } finally {
    remove(dir)
  }
})

compression('should produce identical variants at the same levels and different ones at other levels', async () => {
  const a = textyApp()
  const b = textyApp()
  try {
    await buildJson(a, ['--brotli-quality', '4', '--gzip-level', '1'])
    await buildJson(b, [], { KILN_BROTLI_QUALITY: '4', KILN_GZIP_LEVEL: '1' })
    assert.equal(tree(path.join(a, OUT)), tree(path.join(b, OUT)))
    await buildJson(b, ['--out', 'other'])
    const brSize = (m) => m.files[assetOf(m, 'data/big.json').encodings.br].size
    assert.is.not(brSize(manifestOf(a)), brSize(manifestOf(b, 'other')))
  } finally {
    remove(a)
    remove(b)
  }
})

compression.run()

const cache = suite('build cache')

const cacheFiles = (dir) => {
  const out = []
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else out.push(p)
    }
  }
  walk(path.join(dir, CACHE))
  return out
}

cache('should take the no-op path when nothing changed: no compile, no hashing, no compression', async () => {
  const dir = textyApp()
  try {
    const cold = await buildJson(dir)
    assert.equal(cold.steps.compile, ['scripts', 'style:site.css'])
    assert.ok(cold.steps.statics.hashed > 0 && cold.steps.compress.compressed > 0)
    const warm = await buildJson(dir)
    assert.is(warm.steps.compile, 'skipped')
    assert.is(warm.steps.statics.hashed, 0)
    assert.is(warm.steps.statics.copied, 0)
    const variants = Object.keys(manifestOf(dir).files).filter((f) => /\.(br|gz)$/.test(f)).length
    assert.is(warm.steps.compress.reused, variants, 'every variant reused without compressing')
    assert.is(warm.steps.statics.cached, warm.steps.statics.total)
    assert.is(warm.steps.compress.compressed, 0)
    assert.is(warm.written, 0)
  } finally {
    remove(dir)
  }
})

cache('should load no package code on the no-op path: no glob library, compiler or browser data (the cache key reads package.json files as files)', async () => {
  const dir = textyApp()
  try {
    await buildJson(dir)
    const r = await kiln(['build', '--json'], { cwd: dir, env: { NODE_DEBUG: 'module' } })
    assert.is(r.code, 0, r.stderr)
    assert.is(JSON.parse(r.stdout).steps.compile, 'skipped')
    const loaded = [...new Set([...r.stderr.matchAll(/load "([^"]+)"/g)].map((m) => m[1]))]
    // The bundled CLI requires one file of its own (dist/import-module.cjs) on every path.
    assert.ok(loaded.some((f) => f.endsWith('/dist/import-module.cjs')), 'NODE_DEBUG=module lists what is loaded')
    assert.equal(loaded.filter((f) => f.includes('node_modules') && !f.endsWith('/package.json')), [])
  } finally {
    remove(dir)
  }
})

cache('should keep the entry scan: a root stylesheet the entry imports stays its module on a no-op without esbuild, and an edit scans again', async () => {
  const dir = project({
    'assets/app.ts': "import './app.css'\nconsole.log('app')\n",
    'assets/app.css': '#app { color: red }\n',
    'assets/admin.ts': "console.log('admin')\n",
  })
  const entries = () => Object.keys(manifestOf(dir).assets).sort()
  try {
    await buildJson(dir)
    assert.equal(entries(), ['admin.ts', 'app.ts'])
    const r = await kiln(['build', '--json'], { cwd: dir, env: { NODE_DEBUG: 'module' } })
    assert.is(r.code, 0, r.stderr)
    assert.not.match(r.stderr, /node_modules\/esbuild\/lib/, 'esbuild not loaded')
    assert.equal(entries(), ['admin.ts', 'app.ts'])
    write(dir, { 'assets/app.ts': "console.log('app, no stylesheet')\n" })
    await buildJson(dir)
    assert.equal(entries(), ['admin.ts', 'app.css', 'app.ts'], 'no longer imported: an entry of its own')
  } finally {
    remove(dir)
  }
})

cache('should not take it when a source, a static file, the config or the browserslist changed', async () => {
  const dir = textyApp()
  try {
    await buildJson(dir)
    const ALL = ['scripts', 'style:site.css']
    const changes = [
      ['a module', () => write(dir, { 'assets/lib/shared.ts': "export function greet(name: string): string {\n  return 'hi ' + name\n}\n" }), ['scripts'], 0],
      ['a partial', () => write(dir, { 'assets/partials/base.css': 'body { margin: 1px; background: url(../images/dot.png) }\n' }), ['style:site.css'], 0],
      ['CSS imported from JS', () => write(dir, { 'assets/lib/app.css': '.app { color: red; background: url(../images/dot.png) }\n' }), ['scripts'], 0],
      ['a static file both reference', () => write(dir, { 'assets/images/dot.png': Buffer.from([1, 2, 3, 4]) }), ALL, 1],
      ['a static file only the stylesheet references', () => write(dir, { 'assets/images/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>' }), ['style:site.css'], 1],
      ['an unreferenced static file', () => write(dir, { 'assets/robots.txt': 'User-agent: x\n' }), 'skipped', 1],
      ['the config', () => write(dir, { 'kiln.config.json': JSON.stringify({ minify: false }) }), ALL, 0],
      ['the browserslist', () => write(dir, { '.browserslistrc': 'chrome 100\n' }), ALL, 0],
      ['a new source file', () => write(dir, { 'assets/lib/new.ts': 'export {}\n' }), ALL, 0],
    ]
    for (const [what, change, compile, hashed] of changes) {
      await new Promise((r) => setTimeout(r, 20))
      change()
      const r = await buildJson(dir)
      assert.equal(r.steps.compile, compile, what)
      assert.is(r.steps.statics.hashed, hashed, `${what}: static files re-hashed`)
      const again = await buildJson(dir)
      assert.is(again.steps.compile, 'skipped', `${what}, then nothing`)
    }
  } finally {
    remove(dir)
  }
})

cache('should give byte-identical output with a deleted, a corrupted or a foreign cache', async () => {
  const reference = textyApp()
  const dir = textyApp()
  try {
    await buildJson(reference)
    const expected = tree(path.join(reference, OUT))
    const rebuild = async (label, damage) => {
      fs.rmSync(path.join(dir, OUT), { recursive: true, force: true })
      await damage()
      await buildJson(dir)
      const got = tree(path.join(dir, OUT))
      assert.equal(Object.keys(got).sort(), Object.keys(expected).sort(), label)
      for (const f of Object.keys(expected)) assert.ok(got[f].equals(expected[f]), `${label}: ${f}`)
    }
    await rebuild('no cache', () => {})
    await rebuild('warm cache, empty output directory', () => {})
    await rebuild('every cache file corrupted', () => {
      for (const f of cacheFiles(dir)) {
        const bytes = fs.readFileSync(f)
        if (bytes.length === 0) fs.writeFileSync(f, 'x')
        else {
          bytes[Math.floor(bytes.length / 2)] ^= 0xff
          fs.writeFileSync(f, bytes)
        }
      }
    })
    await rebuild('cache truncated', () => {
      for (const f of cacheFiles(dir)) fs.truncateSync(f, Math.floor(fs.statSync(f).size / 3))
    })
    await rebuild('cache deleted', () => fs.rmSync(path.join(dir, CACHE), { recursive: true }))
    await rebuild('cache from another version', () => {
      const state = path.join(dir, CACHE, 'state-v2.json')
      const text = fs.readFileSync(state, 'utf8')
      fs.writeFileSync(state, text.replace(/"identity":"[0-9a-f]+"/, '"identity":"0000"'))
    })
    await rebuild('cache from other options', async () => {
      await buildJson(dir, ['--no-minify', '--out', 'elsewhere'])
    })
  } finally {
    remove(reference)
    remove(dir)
  }
})

cache('should write again, on every rebuild, the files outside the root that a cached stylesheet or script names (a font in node_modules)', async () => {
  const pkg = {
    'node_modules/fakefont/package.json': '{ "name": "fakefont", "version": "1.0.0" }\n',
    'node_modules/fakefont/font.css': '@font-face { font-family: Fake; src: url(./files/fake.woff2) format("woff2") }\n',
    'node_modules/fakefont/files/fake.woff2': Buffer.from('wOF2 not really a font\n'),
    'node_modules/fakefont/files/icon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
    'assets/site.css': '@import "fakefont/font.css";\nbody { font-family: Fake }\n',
    'assets/lib/icon.ts': "import icon from 'fakefont/files/icon.svg'\nexport default icon\n",
    'assets/admin.ts': "import icon from './lib/icon'\nconsole.log(icon)\n",
  }
  const reference = textyApp(pkg)
  const dir = textyApp(pkg)
  try {
    await buildJson(reference)
    const expected = tree(path.join(reference, OUT))
    const names = Object.keys(expected)
    assert.ok(names.some((f) => /^_\/fakefont\/files\/fake-[A-Z2-7]{8}\.woff2$/.test(f)), 'the font is in the artifact')
    assert.ok(names.some((f) => /^_\/fakefont\/files\/icon-[A-Z2-7]{8}\.svg$/.test(f)), 'the icon is in the artifact')
    await buildJson(dir)
    for (const label of ['a no-op rebuild', 'a rebuild into an emptied output directory']) {
      if (label.includes('emptied')) fs.rmSync(path.join(dir, OUT), { recursive: true })
      const r = await buildJson(dir)
      assert.is(r.steps.compile, 'skipped', label)
      const got = tree(path.join(dir, OUT))
      assert.equal(Object.keys(got).sort(), names.sort(), label)
      for (const f of names) assert.ok(got[f].equals(expected[f]), `${label}: ${f}`)
    }
  } finally {
    remove(reference)
    remove(dir)
  }
})

cache('should re-hash everything with --verify-cache and report a file whose stat lied', async () => {
  const dir = textyApp()
  try {
    const file = path.join(dir, 'assets/robots.txt')
    fs.utimesSync(file, 1_700_000_000, 1_700_000_000)
    await buildJson(dir)
    fs.writeFileSync(file, 'User-agent: y\n')
    fs.utimesSync(file, 1_700_000_000, 1_700_000_000)
    const trusting = await buildJson(dir)
    assert.is(trusting.steps.statics.hashed, 0, 'same size, mtime and inode: trusted')
    const verified = await buildJson(dir, ['--verify-cache'])
    assert.is(verified.steps.statics.hashed, verified.steps.statics.total)
    assert.equal(verified.steps.cacheMismatches, ['assets/robots.txt'])
    assert.is(assetOf(manifestOf(dir), 'robots.txt').integrity, sri(fs.readFileSync(file)))
  } finally {
    remove(dir)
  }
})

cache('should keep the cache where --cache-dir or KILN_CACHE_DIR says', async () => {
  const dir = textyApp()
  try {
    await buildJson(dir, ['--cache-dir', '.ci-cache'])
    assert.ok(fs.existsSync(path.join(dir, '.ci-cache/state-v2.json')))
    await buildJson(dir, [], { KILN_CACHE_DIR: path.join(dir, 'env-cache') })
    assert.ok(fs.existsSync(path.join(dir, 'env-cache/state-v2.json')))
    const r = await buildJson(dir, ['--cache-dir', '.ci-cache'])
    assert.is(r.steps.compile, 'skipped')
  } finally {
    remove(dir)
  }
})

cache.run()

const streaming = suite('streaming large files')

streaming('should build a 256 MiB static file with memory well below its size', async () => {
  const dir = project({ 'assets/app.ts': 'console.log(1)\n' })
  try {
    const big = path.join(dir, 'assets/video.bin')
    const fd = fs.openSync(big, 'w')
    const chunk = Buffer.alloc(1024 * 1024)
    for (let i = 0; i < 256; i++) {
      chunk.fill(i)
      fs.writeSync(fd, chunk)
    }
    fs.closeSync(fd)
    const r = await buildJson(dir)
    const rec = assetOf(manifestOf(dir), 'video.bin')
    assert.is(rec.size, 256 * 1024 * 1024)
    assert.is(fs.statSync(path.join(dir, OUT, rec.file)).size, rec.size)
    assert.ok(r.maxRss < 200 * 1024 * 1024, `peak RSS ${(r.maxRss / 1048576).toFixed(0)} MiB for a 256 MiB file`)
  } finally {
    remove(dir)
  }
})

streaming.run()
