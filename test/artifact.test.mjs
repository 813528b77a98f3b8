// The artifact directory's promises: deterministic, content-addressed and append-only,
// atomic (a failed build changes nothing), integrity values that match the bytes.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import Ajv from 'ajv/dist/2020.js'
import { build, parseFingerprint } from '../dist/index.js'
import { assetEntries, kiln, manifestOf, project, remove, sampleApp, sri, tree, write, REPO } from './helpers.mjs'

const OUT = 'public/assets'

const determinism = suite('determinism')

determinism('should give byte-identical trees for the same sources in different directories', async () => {
  const a = sampleApp()
  const b = sampleApp()
  try {
    assert.is.not(a, b)
    // With CSS maps too: their sources must be relative like the JS maps'.
    assert.is((await kiln(['build', '--css-sourcemap'], { cwd: a })).code, 0)
    assert.is((await kiln(['build', '--css-sourcemap'], { cwd: b })).code, 0)
    const ta = tree(path.join(a, OUT))
    const tb = tree(path.join(b, OUT))
    assert.equal(Object.keys(ta).sort(), Object.keys(tb).sort())
    for (const f of Object.keys(ta)) assert.ok(ta[f].equals(tb[f]), `${f} differs`)
    for (const [f, bytes] of Object.entries(ta)) {
      const text = bytes.toString('latin1')
      assert.not.ok(text.includes(a) || text.includes('/tmp/'), `${f} holds an absolute path`)
    }
  } finally {
    remove(a)
    remove(b)
  }
})

determinism('should give the same manifest on a rebuild, and write nothing new', async () => {
  const dir = sampleApp()
  try {
    const first = await build({ cwd: dir, env: {} })
    const before = fs.readFileSync(path.join(dir, OUT, 'manifest.json'))
    const second = await build({ cwd: dir, env: {} })
    assert.ok(fs.readFileSync(path.join(dir, OUT, 'manifest.json')).equals(before))
    assert.is(second.written, 0)
    assert.is(second.reused, first.written)
  } finally {
    remove(dir)
  }
})

determinism('should give byte-identical trees for an absolute --root outside the working directory, whatever the working directory', async () => {
  const app = sampleApp({
    'assets/worker-app.ts': "const w = new Worker(new URL('./lib/work.ts', import.meta.url), { type: 'module' })\nimport sheet from './lib/app.css?url'\nw.postMessage(sheet)\n",
    'assets/lib/work.ts': "import { greet } from './shared'\nself.onmessage = (e) => console.log(greet(String(e.data)))\n",
    'assets/outside.css': '.o { background: url(../shared/pic.png) }\n',
    'shared/pic.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 9]),
  })
  const elsewhere = project({ 'x/y/.keep': '', 'package.json': '{ "name": "elsewhere", "private": true }' })
  const empty = project()
  try {
    const root = path.join(app, 'assets')
    const run = async (cwd, out, extra = []) => {
      const r = await kiln(['build', '--root', root, '--out', path.join(app, out), '--strict', ...extra], { cwd })
      assert.is(r.code, 0, r.stderr)
      return tree(path.join(app, out))
    }
    const same = (a, b, what) => {
      assert.equal(Object.keys(a).sort(), Object.keys(b).sort(), what)
      for (const f of Object.keys(a)) assert.ok(a[f].equals(b[f]), `${f} differs ${what}`)
    }
    // Minified (the fingerprints) and not (esbuild's path comments), from three working directories at three depths.
    const fromApp = await run(app, 'out-1')
    same(fromApp, await run(empty, 'out-2'), 'from an unrelated directory')
    same(fromApp, await run(path.join(elsewhere, 'x/y'), 'out-3'), 'from another project')
    const plain = await run(app, 'out-4', ['--no-minify'])
    same(plain, await run(path.join(elsewhere, 'x/y'), 'out-5', ['--no-minify']), 'unminified, from another project')
    for (const [f, bytes] of Object.entries(plain)) {
      const text = bytes.toString('latin1')
      assert.not.ok(text.includes(app) || text.includes(elsewhere) || text.includes(empty), `${f} holds an absolute path`)
    }
  } finally {
    remove(app)
    remove(elsewhere)
    remove(empty)
  }
})

determinism.run()

const immutability = suite('immutability')

immutability('should keep every old file and rename only the edited image and its referrers', async () => {
  const dir = sampleApp()
  try {
    await build({ cwd: dir, env: {}, cssSourcemap: true })
    const before = tree(path.join(dir, OUT))
    const m1 = manifestOf(dir)
    write(dir, { 'assets/images/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>' })
    await build({ cwd: dir, env: {}, cssSourcemap: true })
    const after = tree(path.join(dir, OUT))
    const m2 = manifestOf(dir)
    for (const [f, bytes] of Object.entries(before)) {
      if (f === 'manifest.json') continue
      assert.ok(after[f] && after[f].equals(bytes), `${f} is kept byte for byte`)
    }
    const changed = Object.keys(m2.assets).filter((n) => m2.assets[n] !== m1.assets[n]).sort()
    assert.equal(changed, ['images/logo.svg', 'site.css'], 'the image and the stylesheet that references it')
    const added = Object.keys(m2.files).filter((f) => !m1.files[f])
    assert.is(added.filter((f) => !/\.(br|gz)$/.test(f)).length, 3, 'new: the image, the stylesheet and its map')
    assert.ok(added.filter((f) => /\.(br|gz)$/.test(f)).every((f) => added.includes(f.replace(/\.(br|gz)$/, ''))), 'and only their compressed variants')
    assert.is(fs.readdirSync(path.join(dir, OUT, 'manifests')).length, 2, 'one history copy per build')
  } finally {
    remove(dir)
  }
})

immutability('should rename a JS entry when only its source map changes', async () => {
  const dir = sampleApp()
  try {
    const m1 = (await build({ cwd: dir, env: {} })).manifestData
    write(dir, { 'assets/admin.ts': "// a comment changes the map, not the code\nimport { greet } from './lib/shared'\nconsole.log(greet('admin'))\n" })
    const m2 = (await build({ cwd: dir, env: {} })).manifestData
    const code = (m) => fs.readFileSync(path.join(dir, OUT, m.assets['admin.ts']), 'utf8').replace(/\/\/# sourceMappingURL=.*/, '')
    assert.is(code(m1), code(m2))
    assert.is.not(m1.assets['admin.ts'], m2.assets['admin.ts'])
  } finally {
    remove(dir)
  }
})

immutability('should put back exactly the bytes its name promises where a fingerprinted file was changed on disk', async () => {
  const dir = sampleApp()
  try {
    const m = (await build({ cwd: dir, env: {} })).manifestData
    const file = path.join(dir, OUT, m.assets['robots.txt'])
    fs.writeFileSync(file, 'tampered with, longer')
    fs.rmSync(path.join(dir, OUT, 'manifest.json'))
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stderr, `WARNING: repaired ${OUT}/${m.assets['robots.txt']} (was 21 bytes, expected 14)`)
    assert.equal(fs.readFileSync(file), fs.readFileSync(path.join(dir, 'assets/robots.txt')))
  } finally {
    remove(dir)
  }
})

immutability.run()

const atomicity = suite('atomicity')

atomicity('should leave the previous manifest byte-identical and no temp files when a build fails', async () => {
  const dir = sampleApp()
  try {
    assert.is((await kiln(['build'], { cwd: dir })).code, 0)
    const before = tree(path.join(dir, OUT))
    write(dir, { 'assets/images/new.png': 'new', 'assets/lib/shared.ts': 'export function greet(: string) {}\n' })
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, /^Build failed with 1 error:\nassets\/lib\/shared\.ts:1:23: ERROR: /)
    assert.equal(tree(path.join(dir, OUT)), before, 'nothing added, changed or removed')
  } finally {
    remove(dir)
  }
})

atomicity.run()

const integrity = suite('manifest contents')

integrity('should record integrity and size that match the bytes of every file', async () => {
  const dir = sampleApp()
  try {
    const m = (await build({ cwd: dir, env: {} })).manifestData
    for (const [f, rec] of Object.entries(m.files)) {
      const bytes = fs.readFileSync(path.join(dir, OUT, f))
      assert.is(rec.integrity, sri(bytes), f)
      assert.is(rec.size, bytes.length, f)
    }
    for (const [name, file] of Object.entries(m.assets)) assert.ok(m.files[file], `${name}: ${file} has its one record in files`)
  } finally {
    remove(dir)
  }
})

integrity('should validate against the shipped JSON Schema, with sorted keys and a history copy', async () => {
  const dir = sampleApp()
  try {
    await build({ cwd: dir, env: {} })
    const text = fs.readFileSync(path.join(dir, OUT, 'manifest.json'), 'utf8')
    const m = JSON.parse(text)
    const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'src/manifest.schema.json'), 'utf8'))
    const validate = new Ajv({ allErrors: true }).compile(schema)
    assert.ok(validate(m), JSON.stringify(validate.errors))
    const broken = { ...m, files: { '../escape.js': { integrity: 'sha384-x', size: 1 } } }
    assert.not.ok(validate(broken), 'the schema rejects paths outside the directory')
    // Version 2's layout: top-level keys in a fixed order, one line per entry (compact, keys sorted).
    const block = (o) => `{\n${Object.keys(o).map((k) => `    ${JSON.stringify(k)}: ${JSON.stringify(o[k])}`).join(',\n')}\n  }`
    assert.is(text, `{\n  "version": 2,\n  "publicPath": ${JSON.stringify(m.publicPath)},\n  "assets": ${block(m.assets)},\n  "files": ${block(m.files)}\n}\n`)
    for (const rec of Object.values(m.files)) assert.equal(Object.keys(rec), Object.keys(rec).sort())
    assert.equal(Object.keys(m.assets), Object.keys(m.assets).sort())
    assert.equal(Object.keys(m.files), Object.keys(m.files).sort())
    const history = fs.readdirSync(path.join(dir, OUT, 'manifests'))
    assert.is(history.length, 1)
    assert.is(fs.readFileSync(path.join(dir, OUT, 'manifests', history[0]), 'utf8'), text)
  } finally {
    remove(dir)
  }
})

integrity('should name every output name-HASH.ext, with maps beside their files and relative sources', async () => {
  const dir = sampleApp()
  try {
    const m = (await build({ cwd: dir, env: {}, cssSourcemap: true })).manifestData
    for (const f of Object.keys(m.files)) {
      const parsed = parseFingerprint(f.replace(/\.map$/, ''))
      assert.ok(parsed, `${f} is fingerprinted`)
    }
    for (const [name, a] of assetEntries(m)) {
      if (!a.map) continue
      assert.is(a.map, `${a.file}.map`, name)
      const text = fs.readFileSync(path.join(dir, OUT, a.file), 'utf8')
      assert.ok(text.includes(`sourceMappingURL=${path.posix.basename(a.map)}`), name)
      const map = JSON.parse(fs.readFileSync(path.join(dir, OUT, a.map), 'utf8'))
      for (const s of map.sources) {
        assert.not.ok(path.isAbsolute(s), s)
        assert.ok(fs.existsSync(path.resolve(path.dirname(path.join(dir, OUT, a.map)), s)), `${s} resolves to the source`)
      }
    }
  } finally {
    remove(dir)
  }
})

integrity('should parse and build fingerprinted names with one rule', () => {
  assert.equal(parseFingerprint('images/logo-ABCDEFGH.png'), { name: 'images/logo', hash: 'ABCDEFGH', ext: '.png' })
  assert.equal(parseFingerprint('app-QZKBMPME.js'), { name: 'app', hash: 'QZKBMPME', ext: '.js' })
  assert.equal(parseFingerprint('LICENSE-ABCDEFGH'), { name: 'LICENSE', hash: 'ABCDEFGH', ext: '' })
  assert.is(parseFingerprint('logo.png'), null)
  assert.is(parseFingerprint('logo-abcdefgh.png'), null)
})

integrity.run()
