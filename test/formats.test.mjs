// Compatibility manifests (issue 16) without their readers: what `formats` / --format write,
// their shapes, the names they map, the merge into another tool's file, determinism, names no
// reader can ask for, the write order, and what kiln verify and kiln clean make of them.
// test/interop.test.mjs runs the real readers against the same files.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { build, KilnError } from '../dist/index.js'
import { djangoManifestHash } from '../dist/formats/django.js'
import { assetEntries, assetOf, kiln, manifestOf, project, remove, sampleApp, tree, write } from './helpers.mjs'

const OUT = 'public/assets'
const SPROCKETS = '.sprockets-manifest-1de3fc88ca9e795ba452f7dc9027774d.json'
const FILES = { sprockets: SPROCKETS, propshaft: '.manifest.json', django: 'staticfiles.json', vite: '.vite/manifest.json' }
const ALL = Object.keys(FILES)

const run = (cwd, options = {}) => build({ cwd, env: {}, ...options })
const readJson = (dir, file, out = OUT) => JSON.parse(fs.readFileSync(path.join(dir, out, file), 'utf8'))
const exists = (dir, file, out = OUT) => fs.existsSync(path.join(dir, out, file))

async function ok(dir, args, env) {
  const r = await kiln(args, { cwd: dir, env })
  assert.is(r.code, 0, `kiln ${args.join(' ')}: ${r.stderr}${r.stdout}`)
  return r
}

// ---------------------------------------------------------------------------------------------

const options = suite('formats: the option, its flag and its variable')

options('should write each format named by --format (repeatable, or comma-separated), and none without it', async () => {
  const dir = sampleApp()
  try {
    await ok(dir, ['build'])
    for (const f of Object.values(FILES)) assert.not.ok(exists(dir, f), f)
    await ok(dir, ['build', '--format', 'sprockets', '--format', 'propshaft,django', '--format', 'vite'])
    for (const f of Object.values(FILES)) assert.ok(exists(dir, f), f)
  } finally {
    remove(dir)
  }
})

options('should take formats from the config file and KILN_FORMATS, and name the closest format for a typo', async () => {
  const dir = sampleApp({ 'kiln.config.mjs': "export default { formats: ['vite'] }\n" })
  try {
    await ok(dir, ['build'])
    assert.ok(exists(dir, FILES.vite))
    assert.not.ok(exists(dir, FILES.django))
    await ok(dir, ['build'], { KILN_FORMATS: 'django' })
    assert.ok(exists(dir, FILES.django))
    const bad = await kiln(['build', '--format', 'sprocket'], { cwd: dir })
    assert.is(bad.code, 2)
    assert.match(bad.stderr, '--format lists an unknown format "sprocket"; did you mean "sprockets"?')
    const help = await kiln(['build', '--help'], { cwd: dir })
    assert.match(help.stdout, '--format NAME')
    assert.match(help.stdout, 'KILN_FORMATS')
  } finally {
    remove(dir)
  }
})

options.run()

// ---------------------------------------------------------------------------------------------

const shapes = suite('compatibility manifests: the shapes the readers expect')

shapes('should write the Sprockets manifest: assets by name, files with logical_path, mtime, size, digest, integrity', async () => {
  const dir = sampleApp()
  try {
    const m = (await run(dir, { formats: ['sprockets'] })).manifestData
    const s = readJson(dir, SPROCKETS)
    assert.equal(Object.keys(s).sort(), ['assets', 'files'])
    for (const [name, file] of Object.entries(m.assets)) assert.is(s.assets[name], file, name)
    const app = s.files[m.assets['app.ts']]
    assert.is(app.logical_path, 'app.js')
    assert.is(app.size, assetOf(m, 'app.ts').size)
    assert.is(app.integrity, assetOf(m, 'app.ts').integrity)
    assert.is(app.digest, Buffer.from(app.integrity.slice('sha384-'.length), 'base64').toString('hex'))
    assert.is(app.mtime, '1970-01-01T00:00:00+00:00')
    assert.equal(Object.keys(s.files).sort(), [...new Set(Object.values(s.assets))].sort(), 'every file named, and only those')
  } finally {
    remove(dir)
  }
})

shapes('should write Propshaft\'s { name: { digested_path, integrity } } and Django\'s { paths, version: "1.0" }', async () => {
  const dir = sampleApp()
  try {
    const m = (await run(dir, { formats: ['propshaft', 'django'] })).manifestData
    const p = readJson(dir, FILES.propshaft)
    const d = readJson(dir, FILES.django)
    assert.equal(Object.keys(d).sort(), ['paths', 'version'])
    assert.is(d.version, '1.0')
    for (const [name, a] of assetEntries(m)) {
      assert.equal(p[name], { digested_path: a.file, integrity: a.integrity }, name)
      assert.is(d.paths[name], a.file, name)
    }
    assert.equal(Object.keys(p).sort(), Object.keys(d.paths).sort())
  } finally {
    remove(dir)
  }
})

shapes('should write Vite\'s manifest: entries with imports and dynamicImports naming _ chunk keys, css, and static files with src', async () => {
  const dir = sampleApp()
  try {
    const m = (await run(dir, { formats: ['vite'] })).manifestData
    const v = readJson(dir, FILES.vite)
    const app = v['app.ts']
    assert.equal({ ...app, imports: undefined, dynamicImports: undefined }, { file: m.assets['app.ts'], name: 'app', src: 'app.ts', isEntry: true, integrity: assetOf(m, 'app.ts').integrity, css: assetOf(m, 'app.ts').css, imports: undefined, dynamicImports: undefined })
    assert.equal(app.imports.map((k) => v[k].file), assetOf(m, 'app.ts').imports)
    assert.equal(app.dynamicImports.map((k) => v[k].file), assetOf(m, 'app.ts').dynamicImports)
    for (const k of [...app.imports, ...app.dynamicImports]) {
      assert.ok(k.startsWith('_'), k)
      assert.is(v[k].integrity, m.files[v[k].file].integrity)
    }
    assert.is(v[app.dynamicImports[0]].isDynamicEntry, true)
    assert.equal(v['site.css'], { file: m.assets['site.css'], name: 'site', src: 'site.css', isEntry: true, integrity: assetOf(m, 'site.css').integrity })
    assert.equal(v['images/logo.svg'], { file: m.assets['images/logo.svg'], src: 'images/logo.svg', integrity: assetOf(m, 'images/logo.svg').integrity })
  } finally {
    remove(dir)
  }
})

shapes.run()

// ---------------------------------------------------------------------------------------------

const names = suite('compatibility manifests: the names of what was written')

names('should also map app.js and app.css for app.ts, page.js for page.tsx, unless a real asset has the name', async () => {
  const dir = sampleApp({ 'assets/page.tsx': 'export const p: number = 1\nconsole.log(p)\n' })
  try {
    const m = (await run(dir, { formats: ALL })).manifestData
    const paths = readJson(dir, FILES.django).paths
    assert.is(paths['app.js'], m.assets['app.ts'])
    assert.is(paths['app.css'], assetOf(m, 'app.ts').css[0])
    assert.is(paths['page.js'], m.assets['page.tsx'])
    assert.is(paths['admin.js'], m.assets['admin.ts'])
    assert.is(paths['site.css'], m.assets['site.css'])
    assert.is(readJson(dir, SPROCKETS).assets['app.js'], m.assets['app.ts'])
    assert.is(readJson(dir, FILES.propshaft)['app.css'].digested_path, assetOf(m, 'app.ts').css[0])
    assert.equal(readJson(dir, FILES.vite)['app.js'], readJson(dir, FILES.vite)['app.ts'])
    // A real app.css wins over the stylesheet app.ts imports.
    write(dir, { 'assets/app.css': '.real { color: red }\n' })
    const m2 = (await run(dir, { formats: ['django'] })).manifestData
    assert.is(readJson(dir, FILES.django).paths['app.css'], m2.assets['app.css'])
    assert.is.not(m2.assets['app.css'], assetOf(m2, 'app.ts').css[0])
  } finally {
    remove(dir)
  }
})

names('should fail, writing no manifest, on a name with # or ? (never leave it out)', async () => {
  const dir = sampleApp()
  try {
    await ok(dir, ['build'])
    const before = fs.readFileSync(path.join(dir, OUT, 'manifest.json'))
    write(dir, { 'assets/images/a#b.png': 'x', 'assets/data?.txt': 'y' })
    const r = await kiln(['build', '--format', 'django,vite'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, 'ERROR: "images/a#b.png" cannot be named in staticfiles.json, .vite/manifest.json: a "#" starts a URL\'s fragment')
    assert.match(r.stderr, 'ERROR: "data?.txt" cannot be named in staticfiles.json, .vite/manifest.json: a "?" starts a URL\'s query')
    assert.match(r.stderr, 'hint: rename the file, or leave "django", "vite" out of formats (--format)')
    assert.equal(fs.readFileSync(path.join(dir, OUT, 'manifest.json')), before)
    assert.not.ok(exists(dir, FILES.django))
    assert.not.ok(exists(dir, FILES.vite))
    assert.not.ok(Object.keys(tree(path.join(dir, OUT))).some((f) => f.includes('.kiln-tmp')))
    // Kiln's own manifest can name them (its URLs percent-encode each segment).
    await ok(dir, ['build'])
  } finally {
    remove(dir)
  }
})

names.run()

// ---------------------------------------------------------------------------------------------

const merge = suite('compatibility manifests: merged into another tool\'s')

merge('should keep foreign entries and replace Kiln\'s own from an earlier build, in every format', async () => {
  const dir = sampleApp()
  try {
    write(dir, {
      [`${OUT}/${SPROCKETS}`]: JSON.stringify({ assets: { 'legacy.js': 'legacy-abc.js' }, files: { 'legacy-abc.js': { logical_path: 'legacy.js', mtime: '2026-01-01T00:00:00+00:00', size: 3, digest: 'abc', integrity: 'sha256-x' } } }),
      [`${OUT}/${FILES.propshaft}`]: JSON.stringify({ 'old.css': 'old-1234.css', 'new.css': { digested_path: 'new-5678.css', integrity: null } }),
      [`${OUT}/${FILES.django}`]: JSON.stringify({ paths: { 'admin/css/base.css': 'admin/css/base.5af66c1b1797.css' }, version: '1.0' }),
      [`${OUT}/${FILES.vite}`]: JSON.stringify({ 'resources/js/other.js': { file: 'other-B7PI925R.js', src: 'resources/js/other.js', isEntry: true } }),
    })
    const v1 = (await run(dir, { formats: ALL })).manifestData
    write(dir, { 'assets/images/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"><g id="v2"/></svg>' })
    const v2 = (await run(dir, { formats: ALL })).manifestData
    const oldLogo = v1.assets['images/logo.svg']
    const newLogo = v2.assets['images/logo.svg']
    assert.is.not(oldLogo, newLogo)

    const s = readJson(dir, SPROCKETS)
    assert.is(s.assets['legacy.js'], 'legacy-abc.js')
    assert.is(s.files['legacy-abc.js'].mtime, '2026-01-01T00:00:00+00:00')
    assert.is(s.assets['images/logo.svg'], newLogo)
    assert.not.ok(s.files[oldLogo], 'the earlier build\'s file is no longer listed')
    const p = readJson(dir, FILES.propshaft)
    assert.is(p['old.css'], 'old-1234.css')
    assert.equal(p['new.css'], { digested_path: 'new-5678.css', integrity: null })
    assert.is(p['images/logo.svg'].digested_path, newLogo)
    const d = readJson(dir, FILES.django)
    assert.is(d.paths['admin/css/base.css'], 'admin/css/base.5af66c1b1797.css')
    assert.is(d.paths['images/logo.svg'], newLogo)
    assert.not.ok(Object.values(d.paths).includes(oldLogo))
    const v = readJson(dir, FILES.vite)
    assert.is(v['resources/js/other.js'].file, 'other-B7PI925R.js')
    assert.is(v['images/logo.svg'].file, newLogo)
    assert.not.ok(Object.values(v).some((r) => r.file === oldLogo))
  } finally {
    remove(dir)
  }
})

merge('should keep Django 4.2\'s version "1.1" with its hash recomputed, as Django computes it', async () => {
  // md5(json.dumps(sorted(paths.items())))[:12], computed by Python for these paths.
  assert.is(djangoManifestHash({ 'app.js': 'app-X.js', 'admin/css/base.css': 'admin/css/base.5af66c1b1797.css', 'é/ü.png': 'é/ü-ABCDEFGH.png', 'z\u{1F600}.txt': 'z-A.txt', '\uff5e.txt': 'w.txt' }), '12c6ee351c21')
  const dir = sampleApp()
  try {
    write(dir, { [`${OUT}/${FILES.django}`]: JSON.stringify({ paths: { 'admin/js/core.js': 'admin/js/core.0123456789ab.js' }, version: '1.1', hash: '000000000000' }) })
    await run(dir, { formats: ['django'] })
    const d = readJson(dir, FILES.django)
    assert.is(d.version, '1.1')
    assert.is(d.paths['admin/js/core.js'], 'admin/js/core.0123456789ab.js')
    assert.is(d.hash, djangoManifestHash(d.paths))
    assert.is.not(d.hash, '000000000000')
  } finally {
    remove(dir)
  }
})

merge('should replace a file that is not that format, with a warning', async () => {
  const dir = sampleApp()
  try {
    write(dir, { [`${OUT}/${FILES.django}`]: '{ not json', [`${OUT}/${FILES.propshaft}`]: '[1, 2]' })
    const r = await run(dir, { formats: ['django', 'propshaft'] })
    const texts = r.warnings.map((w) => w.text)
    assert.ok(texts.some((t) => t.startsWith('public/assets/staticfiles.json was not valid JSON')), texts.join('\n'))
    assert.ok(texts.includes('public/assets/.manifest.json was not the Propshaft manifest: replaced it'), texts.join('\n'))
    assert.is(readJson(dir, FILES.django).version, '1.0')
  } finally {
    remove(dir)
  }
})

merge('should warn when another Sprockets manifest beside Kiln\'s could be the one Sprockets reads', async () => {
  const dir = sampleApp()
  try {
    const other = '.sprockets-manifest-0123456789abcdef0123456789abcdef.json'
    write(dir, { [`${OUT}/${other}`]: JSON.stringify({ assets: {}, files: {} }) })
    const r = await run(dir, { formats: ['sprockets'] })
    const w = r.warnings.find((x) => x.text.includes(other))
    assert.ok(w, r.warnings.map((x) => x.text).join('\n'))
    assert.is(w.text, `public/assets/${other} is another Sprockets manifest: Sprockets reads only one of them`)
    assert.match(w.notes[0].text, `set config.assets.manifest to public/assets/${SPROCKETS}`)
    assert.equal(readJson(dir, other), { assets: {}, files: {} }, 'left as it was')
  } finally {
    remove(dir)
  }
})

merge.run()

// ---------------------------------------------------------------------------------------------

const determinism = suite('compatibility manifests: deterministic')

determinism('should write the same bytes for the same sources in any directory and flag order, and not rewrite them unchanged', async () => {
  const a = sampleApp()
  const b = sampleApp()
  try {
    await ok(a, ['build', '--format', 'vite,django,propshaft,sprockets'])
    await ok(b, ['build', '--format', 'sprockets', '--format', 'propshaft', '--format', 'django', '--format', 'vite'])
    const stats = {}
    for (const f of Object.values(FILES)) {
      assert.equal(fs.readFileSync(path.join(a, OUT, f)), fs.readFileSync(path.join(b, OUT, f)), f)
      const text = fs.readFileSync(path.join(a, OUT, f), 'utf8')
      assert.ok(text.endsWith('}\n') && text.includes('\n  "'), `${f} is two-space JSON`)
      stats[f] = fs.statSync(path.join(a, OUT, f))
    }
    await new Promise((r) => setTimeout(r, 20))
    await ok(a, ['build', '--format', 'sprockets,propshaft,django,vite'])
    for (const f of Object.values(FILES)) {
      const s = fs.statSync(path.join(a, OUT, f))
      assert.is(s.ino, stats[f].ino, `${f} not replaced`)
      assert.is(s.mtimeMs, stats[f].mtimeMs, `${f} not rewritten`)
    }
  } finally {
    remove(a)
    remove(b)
  }
})

determinism.run()

// ---------------------------------------------------------------------------------------------

const order = suite('compatibility manifests: written before manifest.json')

order('should leave the previous manifest.json in place when a compatibility manifest cannot be written', async () => {
  const dir = sampleApp()
  try {
    await ok(dir, ['build'])
    const before = fs.readFileSync(path.join(dir, OUT, 'manifest.json'))
    write(dir, { 'assets/lib/lazy.ts': "export function run(): void {\n  console.log('lazy v2')\n}\n" })
    fs.mkdirSync(path.join(dir, OUT, FILES.django, 'blocked'), { recursive: true }) // a directory where staticfiles.json goes
    let err
    try {
      await run(dir, { formats: ['django'] })
    } catch (e) {
      err = e
    }
    assert.instance(err, KilnError)
    assert.match(err.errors[0].text, 'staticfiles.json')
    assert.equal(fs.readFileSync(path.join(dir, OUT, 'manifest.json')), before)
    assert.not.ok(Object.keys(tree(path.join(dir, OUT))).some((f) => f.includes('.kiln-tmp')))
  } finally {
    remove(dir)
  }
})

order.run()

// ---------------------------------------------------------------------------------------------

const verifying = suite('kiln verify and the compatibility manifests')

verifying('should pass a fresh build and report an entry that differs from Kiln\'s, a stale one and a missing file', async () => {
  const dir = sampleApp({ 'kiln.config.mjs': "export default { formats: ['django', 'vite'] }\n" })
  try {
    await ok(dir, ['build'])
    await ok(dir, ['verify'])
    const d = readJson(dir, FILES.django)
    const appFile = d.paths['app.ts']
    d.paths['app.ts'] = 'app-WRONG000.js'
    d.paths['gone.png'] = manifestOf(dir).assets['images/logo.svg']
    fs.writeFileSync(path.join(dir, OUT, FILES.django), JSON.stringify(d))
    fs.rmSync(path.join(dir, OUT, FILES.vite))
    const r = await kiln(['verify'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, `staticfiles.json: paths["app.ts"] is "app-WRONG000.js"; Kiln's manifest gives "${appFile}"`)
    assert.match(r.stderr, '.vite/manifest.json: missing (formats lists "vite"; run kiln build)')
    // An earlier build's file, named after the source changed:
    write(dir, { 'assets/images/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"><g id="v2"/></svg>' })
    await ok(dir, ['build'])
    await ok(dir, ['verify'])
    const stale = readJson(dir, FILES.django)
    stale.paths['old-logo.svg'] = d.paths['gone.png']
    fs.writeFileSync(path.join(dir, OUT, FILES.django), JSON.stringify(stale))
    const r2 = await kiln(['verify', '--json'], { cwd: dir })
    assert.is(r2.code, 1)
    assert.equal(JSON.parse(r2.stdout).problems.map((p) => p.text), [`staticfiles.json: "old-logo.svg" names ${d.paths['gone.png']}, a file of an earlier build that the current manifest does not list`])
  } finally {
    remove(dir)
  }
})

verifying('should leave alone a manifest of another tool that names nothing of Kiln\'s, unless formats lists it', async () => {
  const dir = sampleApp()
  try {
    await ok(dir, ['build'])
    write(dir, { [`${OUT}/${FILES.django}`]: JSON.stringify({ paths: { 'admin/css/base.css': 'admin/css/base.5af66c1b1797.css' }, version: '1.0' }) })
    await ok(dir, ['verify'])
    const r = await kiln(['verify'], { cwd: dir, env: { KILN_FORMATS: 'django' } })
    assert.is(r.code, 1)
    assert.match(r.stderr, 'staticfiles.json: has no paths["app.js"]')
    assert.match(r.stderr, '(collectstatic writes this file anew: run kiln build after it)')
  } finally {
    remove(dir)
  }
})

verifying.run()

// ---------------------------------------------------------------------------------------------

const cleaning = suite('kiln clean and the compatibility manifests')

cleaning('should keep the build a compatibility manifest still names, and not report the manifests as unknown', async () => {
  const dir = sampleApp()
  try {
    await ok(dir, ['build', '--format', 'django,sprockets,vite'])
    const v1 = manifestOf(dir)
    // Later builds without --format: staticfiles.json and the others still name v1's files.
    for (const v of [2, 3, 4]) {
      write(dir, { 'assets/lib/lazy.ts': `export function run(): void {\n  console.log('lazy v${v}')\n}\n`, 'assets/images/logo.svg': `<svg xmlns="http://www.w3.org/2000/svg"><g id="v${v}"/></svg>` })
      await ok(dir, ['build'])
    }
    const v4 = manifestOf(dir)
    const r = JSON.parse((await ok(dir, ['clean', '--keep', '1', '--age', '0', '--json'])).stdout)
    const removed = r.removed.map((f) => f.file)
    assert.ok(removed.length > 0, 'the v2 build, which nothing names, goes')
    for (const f of Object.keys(v1.files)) assert.ok(fs.existsSync(path.join(dir, OUT, f)), `v1's ${f} (its lazy chunk and variants too) stays`)
    for (const f of Object.keys(v4.files)) assert.ok(fs.existsSync(path.join(dir, OUT, f)), f)
    for (const f of [FILES.django, SPROCKETS, FILES.vite]) {
      assert.ok(exists(dir, f), f)
      assert.not.ok(r.unknown.includes(f), `${f} is not reported as unknown`)
    }
  } finally {
    remove(dir)
  }
})

cleaning.run()
