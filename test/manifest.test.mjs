// Manifest version 2: its layout and size on a real build, and what every reader does with a
// version 1 manifest (written by kiln-assets < 0.2.0): the runtime, verify, inspect, publish
// and report fail clearly, clean still honours version 1 history copies.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ManifestError, loadManifest } from '../dist/runtime/index.js'
import { assetEntries, kiln, manifestOf, remove, sampleApp, tree, write } from './helpers.mjs'

const OUT = 'public/assets'
const V1_ERROR = 'is a version 1 manifest (written by kiln-assets < 0.2.0); this runtime reads version 2: rebuild it with kiln-assets ≥ 0.2.0'

/** The same build as kiln-assets < 0.2.0 wrote it: a record per logical name, every integrity twice. */
function toV1(m) {
  const assets = {}
  for (const [name, a] of assetEntries(m)) {
    const { encodings, ...rec } = a
    assets[name] = { ...rec, ...(encodings && { encodings: Object.fromEntries(Object.entries(encodings).map(([enc, f]) => [enc, { file: f, size: m.files[f].size }])) }) }
  }
  const files = Object.fromEntries(Object.entries(m.files).map(([f, r]) => [f, { integrity: r.integrity, size: r.size }]))
  return { version: 1, publicPath: m.publicPath, assets, files }
}

async function ok(dir, args) {
  const r = await kiln(args, { cwd: dir })
  assert.is(r.code, 0, r.stderr)
  return r
}

const format = suite('the version 2 layout')

format('should write each integrity once and one line per entry, in under 60% of version 1\'s bytes (54% here)', async () => {
  const files = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`assets/images/dir${i % 5}/icon${i}.svg`, `<svg xmlns="http://www.w3.org/2000/svg"><title>${i}</title></svg>\n`]))
  const dir = sampleApp(files)
  try {
    await ok(dir, ['build', '--no-compress'])
    const text = fs.readFileSync(path.join(dir, OUT, 'manifest.json'), 'utf8')
    const m = JSON.parse(text)
    assert.is(m.version, 2)
    assert.equal(Object.keys(m), ['version', 'publicPath', 'assets', 'files'])
    for (const [name, file] of Object.entries(m.assets)) assert.type(file, 'string', name)
    const integrities = text.match(/sha384-[A-Za-z0-9+/]{64}/g)
    assert.is(integrities.length, new Set(integrities).size, 'no integrity is written twice')
    assert.is(integrities.length, Object.keys(m.files).length)
    const lines = text.split('\n')
    // {, version, publicPath, "assets": {, one per asset, }, "files": {, one per file, }, }, and the final newline.
    assert.is(lines.length, 4 + Object.keys(m.assets).length + 2 + Object.keys(m.files).length + 2 + 1, 'one line per entry')
    // The same build in version 1's layout (two-space JSON, a record per name) is about twice the size.
    const v1Bytes = Buffer.byteLength(JSON.stringify(toV1(m), null, 2) + '\n')
    assert.ok(Buffer.byteLength(text) < 0.6 * v1Bytes, `${Buffer.byteLength(text)} bytes, version 1: ${v1Bytes}`)
  } finally {
    remove(dir)
  }
})

format('should name each static file from the first 40 bits of its SRI digest, as esbuild\'s base32 [hash] reads', async () => {
  const crypto = await import('node:crypto')
  const { hashOfIntegrity, integrity } = await import('../dist/fingerprint.js')
  // The fast reading (no Buffer) against the plain one: decode the base64, take 5 bytes, regroup by 5 bits.
  const plain = (sri) => {
    const bits = [...Buffer.from(sri.slice('sha384-'.length), 'base64').subarray(0, 5)].map((b) => b.toString(2).padStart(8, '0')).join('')
    return bits.match(/.{5}/g).map((b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[parseInt(b, 2)]).join('')
  }
  for (let i = 0; i < 2000; i++) {
    const sri = integrity(crypto.randomBytes(i % 97))
    assert.is(hashOfIntegrity(sri), plain(sri), sri)
  }
  const dir = sampleApp({ 'assets/images/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>\n' })
  try {
    await ok(dir, ['build', '--no-compress'])
    const m = manifestOf(dir)
    const file = m.assets['images/logo.svg']
    assert.is(file, `images/logo-${plain(m.files[file].integrity)}.svg`)
  } finally {
    remove(dir)
  }
})

format.run()

const v1 = suite('a version 1 manifest')

/** A built app whose live manifest is then replaced by its version 1 form. */
async function v1App() {
  const dir = sampleApp()
  await ok(dir, ['build'])
  const m = manifestOf(dir)
  fs.writeFileSync(path.join(dir, OUT, 'manifest.json'), JSON.stringify(toV1(m), null, 2) + '\n')
  return { dir, m }
}

v1('should be a ManifestError at load in the runtime, saying to rebuild with kiln-assets ≥ 0.2.0', async () => {
  const { dir } = await v1App()
  try {
    const file = path.join(dir, OUT, 'manifest.json')
    let err
    try {
      loadManifest(file, { env: {} })
    } catch (e) {
      err = e
    }
    assert.instance(err, ManifestError)
    assert.is(err.message, `Kiln manifest ${file}: ${V1_ERROR}. Run \`kiln build\` to write a valid manifest.`)
  } finally {
    remove(dir)
  }
})

v1('should make kiln verify, inspect and publish --dry-run fail with the clear message and exit 1, and report say so', async () => {
  const { dir } = await v1App()
  try {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' }
    for (const args of [['verify'], ['inspect', 'app.ts'], ['publish', 's3://bucket/p', '--dry-run'], ['report']]) {
      const r = await kiln(args, { cwd: dir, env })
      // As for any manifest these cannot use: report's is a usage error (a manifest it cannot read).
      assert.is(r.code, args[0] === 'report' ? 2 : 1, `${args[0]}: ${r.stdout}${r.stderr}`)
      assert.match(r.stderr, `${OUT}/manifest.json`, args[0])
      assert.match(r.stderr, args[0] === 'report' ? 'is a version 1 manifest (written by kiln-assets < 0.2.0)' : V1_ERROR, args[0])
      assert.match(r.stderr, 'kiln-assets ≥ 0.2.0', args[0])
      assert.not.match(r.stderr, /at \w+ \(|TypeError|SyntaxError:/, `${args[0]}: no stack or internal error`)
    }
  } finally {
    remove(dir)
  }
})

v1('should be no earlier build to compare sizes with, and a rebuild replaces it', async () => {
  const { dir } = await v1App()
  try {
    const r = await ok(dir, ['build', '--json'])
    assert.not.match(r.stderr, /TypeError|at \w+ \(/)
    assert.is(manifestOf(dir).version, 2)
    await ok(dir, ['verify'])
  } finally {
    remove(dir)
  }
})

v1('should keep, in kiln clean, every file a version 1 history copy names', async () => {
  const dir = sampleApp({ 'assets/old.txt': 'only in the first build\n' })
  try {
    await ok(dir, ['build'])
    const first = manifestOf(dir)
    const oldFile = first.assets['old.txt']
    // The first build's history copy, as kiln-assets < 0.2.0 wrote it (content-named, like every copy).
    const history = path.join(dir, OUT, 'manifests')
    for (const f of fs.readdirSync(history)) fs.rmSync(path.join(history, f))
    const text = JSON.stringify(toV1(first), null, 2) + '\n'
    const { contentHash } = await import('../dist/fingerprint.js')
    fs.writeFileSync(path.join(history, `${contentHash(text)}.json`), text)
    fs.rmSync(path.join(dir, 'assets/old.txt'))
    write(dir, { 'assets/new.txt': 'second build\n' })
    await ok(dir, ['build'])
    const before = tree(path.join(dir, OUT))
    await ok(dir, ['clean', '--age', '0', '--keep', '1'])
    assert.ok(fs.existsSync(path.join(dir, OUT, oldFile)), `${oldFile}, named only by the version 1 copy, is kept`)
    assert.equal(tree(path.join(dir, OUT)), before, 'nothing the two builds name was removed')
    await ok(dir, ['clean', '--age', '0', '--keep', '0'])
    assert.not.ok(fs.existsSync(path.join(dir, OUT, oldFile)), 'and removed once that copy is no longer kept')
  } finally {
    remove(dir)
  }
})

v1.run()
