// The compatibility manifests read by the real readers (issue 16): Debian's Rails 6.1 +
// sprockets-rails (test/readers/rails_reader.rb), Django 3.2 + WhiteNoise 6.0
// (test/readers/django_reader.py, WhiteNoise served over HTTP on 127.0.0.1), and, from npm,
// @adonisjs/vite's manifest reader and Vite 8 itself (test/readers/package.json, installed on
// first use). Each is compared with what Kiln's own runtime says for the same build. A reader
// that cannot be installed skips its suite with one line saying so; KILN_REQUIRE_INTEROP=1
// (CI) makes that a failure.
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import zlib from 'node:zlib'
import { pathToFileURL } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { fromManifest } from '../dist/runtime/index.js'
import { assetEntries, kiln, manifestOf, remove, sampleApp, write, REPO } from './helpers.mjs'

const HERE = path.join(REPO, 'test', 'readers')
const RAILS_READER = path.join(HERE, 'rails_reader.rb')
const DJANGO_READER = path.join(HERE, 'django_reader.py')
const REQUIRE = process.env.KILN_REQUIRE_INTEROP === '1'
const SPROCKETS_FILE = '.sprockets-manifest-1de3fc88ca9e795ba452f7dc9027774d.json'

function run(command, args, { cwd, env, timeout = 120_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout)
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', (err) => {
      clearTimeout(timer)
      resolve({ code: -1, stdout, stderr: String(err) })
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Runs a reader script and parses the JSON it prints. */
async function read(command, args, env) {
  const r = await run(command, args, { env })
  assert.is(r.code, 0, `${path.basename(args[0])} ${args.slice(1).join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`)
  return JSON.parse(r.stdout.trim().split('\n').pop())
}

async function ok(dir, args, env) {
  const r = await kiln(args, { cwd: dir, env })
  assert.is(r.code, 0, `kiln ${args.join(' ')}: ${r.stderr}${r.stdout}`)
  return r
}

/** A suite whose reader is missing: one line, or (KILN_REQUIRE_INTEROP=1) one failing test. */
function unavailable(s, what, why) {
  if (REQUIRE) s(`should find ${what} (KILN_REQUIRE_INTEROP=1)`, () => assert.unreachable(`${what} cannot be used: ${why}`))
  else console.log(`interop: skipping ${what}: ${why}`)
}

// --- the readers ------------------------------------------------------------------------

async function probeRuby() {
  const r = await run('ruby', ['-e', 'require "rails"; require "sprockets/railtie"; require "action_controller/railtie"; print Rails.version, " ", Sprockets::VERSION, " ", Sprockets::Rails::VERSION'])
  if (r.code !== 0) return { why: 'ruby with railties and sprockets-rails not found (apt-get install ruby-railties ruby-sprockets-rails)' }
  const [rails, sprockets, sprocketsRails] = r.stdout.trim().split(' ')
  return { versions: `Rails ${rails}, Sprockets ${sprockets}, sprockets-rails ${sprocketsRails}` }
}

async function probePython() {
  // Debian's python3 first: a pyenv or venv python3 on PATH does not see Debian's packages.
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = await run(python, ['-c', 'import django, whitenoise; from importlib.metadata import version; print(django.get_version(), version("whitenoise"))'])
    if (r.code === 0) {
      const [django, whitenoise] = r.stdout.trim().split(' ')
      return { python, versions: `Django ${django}, WhiteNoise ${whitenoise}` }
    }
  }
  return { why: 'python3 with Django and WhiteNoise not found (apt-get install python3-django python3-whitenoise)' }
}

/** npm ci of test/interop once (again only when its package.json or lock changes). */
async function probeNode() {
  const stamp = path.join(HERE, 'node_modules', '.kiln-interop-hash')
  const hash = crypto.createHash('sha256').update(fs.readFileSync(path.join(HERE, 'package.json'))).update(fs.readFileSync(path.join(HERE, 'package-lock.json'))).digest('hex')
  if (!(fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash)) {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)))
    const r = await run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: HERE, env, timeout: 600_000 })
    const said = r.stderr.split('\n').filter((l) => l.trim() && !/complete log of this run/.test(l)).slice(0, 2).join(' ')
    if (r.code !== 0) return { why: `npm ci in test/readers failed (${r.code}): ${said}` }
    fs.writeFileSync(stamp, hash)
  }
  const version = (name) => JSON.parse(fs.readFileSync(path.join(HERE, 'node_modules', name, 'package.json'), 'utf8')).version
  return { versions: `@adonisjs/vite ${version('@adonisjs/vite')}, Vite ${version('vite8')}` }
}

const [ruby, python, node] = await Promise.all([probeRuby(), probePython(), probeNode()])

// --- the app ------------------------------------------------------------------------------

/** sampleApp plus a script big enough that both .br and .gz are kept, and a Sprockets asset of the Rails app's own. */
function interopApp() {
  const lines = Array.from({ length: 300 }, (_, i) => `export const line${i} = ${JSON.stringify(`the quick brown fox ${i} jumps over the lazy dog`)}`)
  return sampleApp({
    'assets/lib/data.ts': `${lines.join('\n')}\n`,
    'assets/app.ts': "import { greet } from './lib/shared'\nimport { line7 } from './lib/data'\nimport './lib/app.css'\nexport const msg: string = greet('app') + line7\nimport('./lib/lazy').then((m) => m.run())\n",
    'app/assets/javascripts/legacy.js': 'window.legacy = true;\n',
  })
}

const runtimeOf = (dir, out = 'public/assets') => fromManifest(manifestOf(dir, out), { env: {} })
const attr = (html, name) => new RegExp(`\\b${name}="([^"]*)"`).exec(html)?.[1]

// --- Rails ----------------------------------------------------------------------------------

const rails = suite(`Rails + sprockets-rails read the Sprockets manifest${ruby.versions ? ` (${ruby.versions})` : ''}`)
const railsRead = (dir, args, env) => read('ruby', [RAILS_READER, dir, ...args], env)

if (ruby.why) unavailable(rails, 'the Rails checks', ruby.why)
else {
  rails('should render include tags with Kiln\'s URLs and integrity, image_path, and raise on an unknown name', async () => {
    const dir = interopApp()
    try {
      await ok(dir, ['build', '--format', 'sprockets'])
      const assets = runtimeOf(dir)
      const entry = assets.entry('app.ts')
      const r = await railsRead(dir, ['render', 'app.js', 'app.ts', 'site.css', 'nope.js'], { MANIFEST: path.join(dir, 'public/assets', SPROCKETS_FILE) })
      assert.is(attr(r.script, 'src'), entry.url)
      assert.is(attr(r.script, 'integrity'), entry.integrity)
      assert.is(attr(r.script, 'type'), 'module')
      assert.is(entry.css.length, 1)
      assert.is(attr(r.stylesheet, 'href'), entry.css[0].url)
      assert.is(attr(r.stylesheet, 'integrity'), entry.css[0].integrity)
      assert.is(r.image, assets.url('images/logo.svg'))
      assert.is(r.paths['app.js'], entry.url)
      assert.is(r.paths['app.ts'], entry.url)
      assert.is(r.paths['site.css'], assets.url('site.css'))
      assert.is(r.paths['nope.js'].error, 'Sprockets::Rails::Helper::AssetNotFound')
    } finally {
      remove(dir)
    }
  })

  rails('should read the Sprockets manifest, not Kiln\'s manifest.json, even without config.assets.manifest', async () => {
    const dir = interopApp()
    try {
      // The pitfall: with no .sprockets-manifest-*.json, Sprockets 3 takes manifest.json for a legacy manifest of its own.
      await ok(dir, ['build'])
      const misread = await railsRead(dir, ['render', 'app.js'])
      assert.is(misread.manifest, path.join(dir, 'public/assets/manifest.json'))
      assert.is(misread.status, 500)
      await ok(dir, ['build', '--format', 'sprockets'])
      const before = fs.readFileSync(path.join(dir, 'public/assets/manifest.json'))
      const r = await railsRead(dir, ['render', 'app.js'])
      assert.is(r.status, 200)
      assert.is(r.manifest, path.join(dir, 'public/assets', SPROCKETS_FILE))
      assert.is(r.paths['app.js'], runtimeOf(dir).url('app.ts'))
      // Sprockets saving its manifest (assets:precompile) leaves Kiln's alone.
      await railsRead(dir, ['precompile', 'legacy.js'])
      assert.equal(fs.readFileSync(path.join(dir, 'public/assets/manifest.json')), before)
    } finally {
      remove(dir)
    }
  })

  rails('should resolve assets:precompile\'s assets and Kiln\'s whichever runs first', async () => {
    for (const order of [['precompile', 'kiln'], ['kiln', 'precompile']]) {
      const dir = interopApp()
      try {
        const env = { MANIFEST: path.join(dir, 'public/assets', SPROCKETS_FILE) }
        for (const step of order) {
          if (step === 'kiln') await ok(dir, ['build', '--format', 'sprockets'])
          else await railsRead(dir, ['precompile', 'legacy.js'], env)
        }
        // A second Kiln build with other sources replaces Kiln's entries and keeps Sprockets'.
        write(dir, { 'assets/lib/lazy.ts': "export function run(): void {\n  console.log('lazy v2')\n}\n", 'assets/images/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>' })
        await ok(dir, ['build', '--format', 'sprockets'])
        const r = await railsRead(dir, ['render', 'legacy.js', 'images/logo.svg'], env)
        assert.match(r.paths['legacy.js'], /^\/assets\/legacy-[0-9a-f]{64}\.js$/, order.join(' then '))
        assert.ok(fs.existsSync(path.join(dir, 'public', r.paths['legacy.js'])))
        assert.is(r.paths['images/logo.svg'], runtimeOf(dir).url('images/logo.svg'), order.join(' then '))
        const data = JSON.parse(fs.readFileSync(env.MANIFEST, 'utf8'))
        assert.is(Object.values(data.assets).filter((f) => f.startsWith('images/logo-')).length, 1, 'the earlier build\'s logo is no longer named')
        assert.is((await kiln(['verify'], { cwd: dir, env: { KILN_FORMATS: 'sprockets' } })).code, 0)
      } finally {
        remove(dir)
      }
    }
  })

  rails('should resolve names and integrity from .manifest.json as Propshaft reads it', async () => {
    const dir = interopApp()
    try {
      await ok(dir, ['build', '--format', 'propshaft'])
      const assets = runtimeOf(dir)
      const r = await railsRead(dir, ['propshaft', 'app.js', 'app.ts', 'app.css', 'images/logo.svg', 'nope.js'])
      assert.equal(r['app.js'], { url: assets.url('app.ts'), integrity: assets.integrity('app.ts') })
      assert.equal(r['app.ts'], r['app.js'])
      assert.equal(r['app.css'], { url: assets.entry('app.ts').css[0].url, integrity: assets.entry('app.ts').css[0].integrity })
      assert.equal(r['images/logo.svg'], { url: assets.url('images/logo.svg'), integrity: assets.integrity('images/logo.svg') })
      assert.equal(r['nope.js'], { error: 'Propshaft::MissingAssetError' })
    } finally {
      remove(dir)
    }
  })
}
rails.run()

// --- Django ---------------------------------------------------------------------------------

const django = suite(`Django + WhiteNoise read staticfiles.json${python.versions ? ` (${python.versions})` : ''}`)
const STATIC = ['build', '--out', 'static', '--public-path', '/static/', '--format', 'django']
const djangoRead = (dir, args) => read(python.python, [DJANGO_READER, path.join(dir, 'static'), ...args])

if (python.why) unavailable(django, 'the Django checks', python.why)
else {
  django('should render {% static %} as Kiln\'s URL, and raise ValueError for a missing name (manifest_strict)', async () => {
    const dir = interopApp()
    try {
      await ok(dir, STATIC)
      const assets = runtimeOf(dir, 'static')
      const r = await djangoRead(dir, ['check', 'app.js', 'app.ts', 'app.css', 'site.css', 'images/logo.svg', 'nope.js'])
      assert.is(r['app.js'].url, assets.url('app.ts'))
      assert.is(r['app.ts'].url, assets.url('app.ts'))
      assert.is(r['app.css'].url, assets.entry('app.ts').css[0].url)
      assert.is(r['site.css'].url, assets.url('site.css'))
      assert.is(r['images/logo.svg'].url, assets.url('images/logo.svg'))
      assert.is(r['nope.js'].error, 'ValueError')
      assert.match(r['nope.js'].message, "Missing staticfiles manifest entry for 'nope.js'")
    } finally {
      remove(dir)
    }
  })

  django('should resolve the admin\'s files and Kiln\'s after collectstatic and kiln build, in either order', async () => {
    const dir = interopApp()
    try {
      // collectstatic, then kiln build: Kiln merges into the file collectstatic wrote.
      await djangoRead(dir, ['collectstatic'])
      assert.ok(fs.existsSync(path.join(dir, 'static/staticfiles.json')))
      await ok(dir, STATIC)
      let r = await djangoRead(dir, ['check', 'app.js', 'admin/css/base.css'])
      assert.is(r['app.js'].url, runtimeOf(dir, 'static').url('app.ts'))
      assert.match(r['admin/css/base.css'].url, /^\/static\/admin\/css\/base\.[0-9a-f]{12}\.css$/)
      // kiln build, then collectstatic: Django writes staticfiles.json anew from what it collected,
      // kiln verify says so, and the next kiln build (nothing to compile) puts Kiln's names back.
      write(dir, { 'assets/lib/lazy.ts': "export function run(): void {\n  console.log('lazy v2')\n}\n" })
      await ok(dir, STATIC)
      await djangoRead(dir, ['collectstatic'])
      assert.is((await djangoRead(dir, ['check', 'app.js']))['app.js'].error, 'ValueError')
      const v = await kiln(['verify', '--out', 'static'], { cwd: dir, env: { KILN_FORMATS: 'django' } })
      assert.is(v.code, 1)
      assert.match(v.stderr, 'staticfiles.json: has no paths["app.js"]')
      assert.match(v.stderr, 'collectstatic writes this file anew: run kiln build after it')
      await ok(dir, STATIC)
      r = await djangoRead(dir, ['check', 'app.js', 'admin/css/base.css'])
      assert.is(r['app.js'].url, runtimeOf(dir, 'static').url('app.ts'))
      assert.match(r['admin/css/base.css'].url, /^\/static\/admin\/css\/base\.[0-9a-f]{12}\.css$/)
      assert.is((await kiln(['verify', '--out', 'static'], { cwd: dir, env: { KILN_FORMATS: 'django' } })).code, 0)
    } finally {
      remove(dir)
    }
  })

  django('should have WhiteNoise serve Kiln\'s files with their .br/.gz variants, immutable as documented', async () => {
    const dir = interopApp()
    let server
    try {
      await djangoRead(dir, ['collectstatic'])
      await ok(dir, STATIC)
      const m = manifestOf(dir, 'static')
      const [name, asset] = assetEntries(m).find(([, a]) => a.encodings?.br && a.encodings?.gzip)
      const bytes = fs.readFileSync(path.join(dir, 'static', asset.file))
      server = spawn(python.python, [DJANGO_READER, path.join(dir, 'static'), 'serve'], { stdio: ['ignore', 'pipe', 'inherit'] })
      const { port } = await new Promise((resolve, reject) => {
        server.stdout.once('data', (d) => resolve(JSON.parse(d)))
        server.once('exit', (code) => reject(new Error(`the WhiteNoise server exited ${code}`)))
      })
      // node:http, not fetch: fetch would decode the body it is sent.
      const get = (url, encoding) => new Promise((resolve, reject) => {
        http.get({ host: '127.0.0.1', port, path: url, headers: { 'accept-encoding': encoding } }, (res) => {
          const chunks = []
          res.on('data', (c) => chunks.push(c))
          res.on('end', () => resolve({ res: { status: res.statusCode, headers: new Map(Object.entries(res.headers)) }, body: Buffer.concat(chunks) }))
        }).on('error', reject)
      })
      const url = runtimeOf(dir, 'static').url(name)
      const br = await get(url, 'br')
      assert.is(br.res.status, 200)
      assert.is(br.res.headers.get('content-encoding'), 'br')
      assert.equal(zlib.brotliDecompressSync(br.body), bytes)
      assert.match(br.res.headers.get('cache-control'), 'immutable')
      const gz = await get(url, 'gzip')
      assert.is(gz.res.headers.get('content-encoding'), 'gzip')
      assert.equal(zlib.gunzipSync(gz.body), bytes)
      const plain = await get(url, 'identity')
      assert.is(plain.res.headers.get('content-encoding'), undefined)
      assert.equal(plain.body, bytes)
      // An unhashed file (collectstatic keeps the original beside the hashed copy) is not immutable.
      const unhashed = await get('/static/admin/css/base.css', 'identity')
      assert.is(unhashed.res.status, 200)
      assert.not.match(unhashed.res.headers.get('cache-control') ?? '', 'immutable')
    } finally {
      if (server && server.exitCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve))
        server.kill()
        await exited
      }
      remove(dir)
    }
  })
}
django.run()

// --- Vite backends ---------------------------------------------------------------------------

const viteSuite = suite(`Vite backends read .vite/manifest.json${node.versions ? ` (${node.versions})` : ''}`)

if (node.why) unavailable(viteSuite, 'the Vite manifest checks', node.why)
else {
  viteSuite('should have @adonisjs/vite resolve entries, their CSS and preloaded chunks to what the runtime\'s tags() emits', async () => {
    const dir = interopApp()
    try {
      await ok(dir, ['build', '--format', 'vite'])
      const { Vite, defineConfig } = await import(pathToFileURL(path.join(HERE, 'node_modules/@adonisjs/vite/build/index.js')).href)
      // AdonisJS's defaults are Kiln's: public/assets, /assets, public/assets/.vite/manifest.json.
      const config = defineConfig({})
      const vite = new Vite(false, { ...config, manifestFile: path.join(dir, config.manifestFile) })
      const assets = runtimeOf(dir)
      for (const name of ['app.ts', 'admin.ts', 'site.css']) {
        const entry = assets.entry(name)
        const tags = await vite.generateEntryPointsTags(name)
        const of = (pred) => tags.filter(pred).map((t) => t.attributes)
        if (name.endsWith('.css')) {
          assert.equal(of((t) => t.attributes.rel === 'stylesheet').map((a) => a.href), [entry.url], name)
          continue
        }
        const [script] = of((t) => t.tag === 'script')
        assert.is(script.src, entry.url, name)
        assert.is(script.integrity, entry.integrity, name)
        assert.equal(of((t) => t.attributes.rel === 'stylesheet').map((a) => a.href), entry.css.map((c) => c.url), name)
        const preloads = of((t) => t.attributes.rel === 'modulepreload').map((a) => a.href)
        assert.equal(preloads.filter((u) => u !== entry.url).sort(), entry.preload.map((p) => p.url).sort(), name)
        assert.ok(entry.preload.length > 0, `${name} imports a shared chunk`)
        assert.is(vite.assetPath(name), entry.url)
      }
      assert.is(vite.assetPath('images/logo.svg'), assets.url('images/logo.svg'))
      assert.is(vite.assetPath('app.js'), assets.url('app.ts'))
      assert.throws(() => vite.assetPath('nope.js'), /Cannot find "nope.js" chunk in the manifest file/)
    } finally {
      remove(dir)
    }
  })

  viteSuite('should have the shape Vite 8 writes for the same app', async () => {
    const dir = interopApp()
    try {
      await ok(dir, ['build', '--format', 'vite'])
      const { build } = await import(pathToFileURL(path.join(HERE, 'node_modules/vite8/dist/node/index.js')).href)
      const root = path.join(dir, 'assets')
      // Vite's build sets process.env.NODE_ENV=production for the whole process; put it back, or
      // every later npm install in this uvu run would skip devDependencies.
      const nodeEnv = process.env.NODE_ENV
      try {
        await build({ root, configFile: false, logLevel: 'silent', build: { manifest: true, outDir: path.join(dir, 'vite-out'), emptyOutDir: true, assetsInlineLimit: 0, rollupOptions: { input: ['app.ts', 'admin.ts', 'site.css'].map((f) => path.join(root, f)) } } })
      } finally {
        if (nodeEnv === undefined) delete process.env.NODE_ENV
        else process.env.NODE_ENV = nodeEnv
      }
      const theirs = JSON.parse(fs.readFileSync(path.join(dir, 'vite-out/.vite/manifest.json'), 'utf8'))
      const ours = JSON.parse(fs.readFileSync(path.join(dir, 'public/assets/.vite/manifest.json'), 'utf8'))
      const FIELDS = new Set(['file', 'name', 'names', 'src', 'isEntry', 'isDynamicEntry', 'imports', 'dynamicImports', 'css', 'assets', 'integrity'])
      for (const [key, rec] of Object.entries(ours)) {
        for (const field of Object.keys(rec)) assert.ok(FIELDS.has(field), `${key}.${field} is not a field of Vite's manifest`)
        for (const k of [...(rec.imports ?? []), ...(rec.dynamicImports ?? [])]) assert.ok(ours[k], `${key} imports ${k}, a key of the manifest`)
        if (!rec.src) assert.ok(key.startsWith('_'), `${key}: a chunk without a source has a _ key, as in Vite's`)
      }
      for (const [key, rec] of Object.entries(theirs)) {
        if (!rec.isEntry && !(rec.src && !rec.isDynamicEntry)) continue // Kiln's manifest knows no source of a lazy chunk
        const mine = ours[key]
        assert.ok(mine, `Vite's key ${key} is a key of Kiln's`)
        for (const field of ['src', 'name', 'isEntry']) assert.is(mine[field], rec[field], `${key}.${field}`)
        assert.is(path.extname(mine.file), path.extname(rec.file), `${key}.file`)
        for (const field of ['imports', 'dynamicImports', 'css']) assert.is(mine[field]?.length, rec[field]?.length, `${key}.${field}`)
        for (const k of rec.imports ?? []) assert.ok(k.startsWith('_') && (mine.imports ?? []).every((x) => x.startsWith('_')), `${key}: shared chunks have _ keys in both`)
      }
    } finally {
      remove(dir)
    }
  })
}
viteSuite.run()
