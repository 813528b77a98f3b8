// A rebuild repairs the artifact directory: a file the manifest lists that is missing or has
// the wrong size is written again on every build, and with --verify (or KILN_VERIFY) one with
// the right size but the wrong bytes too. Each case: the build
// exits 0 and says what it repaired, `kiln verify` passes, and the directory is byte-identical
// to a fresh build's.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { assetOf, kiln, manifestOf, remove, sampleApp, tree } from './helpers.mjs'

const OUT = 'public/assets'
// A static file big enough to get compressed variants, besides the sample app's scripts and stylesheets.
const EXTRA = {
  'assets/images/icons.svg': `<svg xmlns="http://www.w3.org/2000/svg">${'<symbol id="a"><path d="M0 0h24v24H0z"/></symbol>'.repeat(20)}</svg>`,
  // Enough text that app.ts's output compresses by 5% (and gets a .br), whatever names esbuild picks.
  'assets/app.ts': "import { greet } from './lib/shared'\nimport './lib/app.css'\nexport const msg: string = greet('app')\nimport('./lib/lazy').then((m) => m.run())\n" +
    `export const text = '${'lorem ipsum dolor sit amet '.repeat(20)}'\n`,
}
const VERIFY = { KILN_VERIFY: '1' }

let freshTree
/** The artifact directory of a fresh build of the same sources (builds are the same in any directory). */
async function fresh() {
  if (!freshTree) {
    const dir = sampleApp(EXTRA)
    try {
      assert.is((await kiln(['build', '--quiet'], { cwd: dir })).code, 0)
      freshTree = tree(path.join(dir, OUT))
    } finally {
      remove(dir)
    }
  }
  return freshTree
}

/** Builds, damages the output with `damage(outDir, manifest)` (returns the file it damaged), builds again with `args` and `env`. */
async function repairCase(damage, { args = [], env = {} } = {}) {
  const dir = sampleApp(EXTRA)
  try {
    assert.is((await kiln(['build', '--quiet'], { cwd: dir })).code, 0)
    const out = path.join(dir, OUT)
    const file = damage(out, manifestOf(dir))
    const r = await kiln(['build', ...args], { cwd: dir, env })
    assert.is(r.code, 0, r.stderr)
    const v = await kiln(['verify'], { cwd: dir })
    assert.is(v.code, 0, v.stderr)
    assert.equal(tree(out), await fresh(), 'byte-identical to a fresh build')
    return { r, file: `${OUT}/${file}`, size: manifestOf(dir).files[file].size }
  } finally {
    remove(dir)
  }
}

/** Flips one byte in the middle: same size, other bytes. */
function flip(abs) {
  const bytes = fs.readFileSync(abs)
  bytes[bytes.length >> 1] ^= 0x20
  fs.writeFileSync(abs, bytes)
}

const missing = suite('a missing file is written again')

missing('should rewrite a deleted compiled JS entry that the compile cache skipped', async () => {
  const { r, file, size } = await repairCase((out, m) => (fs.rmSync(path.join(out, m.assets['app.ts'])), m.assets['app.ts']))
  assert.match(r.stdout, 'compile skipped', 'nothing compiled: the bytes came from the cache')
  assert.match(r.stderr, `WARNING: repaired ${file} (was missing, expected ${size} bytes)`)
})

missing('should rewrite a deleted source map', async () => {
  const { r, file, size } = await repairCase((out, m) => (fs.rmSync(path.join(out, assetOf(m, 'app.ts').map)), assetOf(m, 'app.ts').map))
  assert.match(r.stderr, `WARNING: repaired ${file} (was missing, expected ${size} bytes)`)
})

missing('should compile again when the cache has no copy of a deleted output', async () => {
  const env = { KILN_CACHE_DIR: 'cache' }
  const dir = sampleApp(EXTRA)
  try {
    assert.is((await kiln(['build', '--quiet'], { cwd: dir, env })).code, 0)
    const m = manifestOf(dir)
    const file = m.assets['admin.ts']
    fs.rmSync(path.join(dir, OUT, file))
    fs.rmSync(path.join(dir, 'cache/outputs', file))
    const r = await kiln(['build', '--json'], { cwd: dir, env })
    assert.is(r.code, 0, r.stderr)
    const report = JSON.parse(r.stdout)
    assert.equal(report.steps.compile, ['scripts'])
    assert.equal(report.steps.repaired, [{ file: `${OUT}/${file}`, size: m.files[file].size, found: null }])
    assert.is((await kiln(['verify'], { cwd: dir })).code, 0)
    assert.equal(tree(path.join(dir, OUT)), await fresh())
  } finally {
    remove(dir)
  }
})

missing.run()

const size = suite('a file with the wrong size is replaced')

size('should re-copy a truncated static image from its source', async () => {
  const { r, file, size } = await repairCase((out, m) => (fs.truncateSync(path.join(out, m.assets['images/dot.png']), 3), m.assets['images/dot.png']))
  assert.match(r.stderr, `WARNING: repaired ${file} (was 3 bytes, expected ${size})`)
})

size('should make a truncated .br variant again', async () => {
  const { r, file, size } = await repairCase((out, m) => {
    const br = assetOf(m, 'images/icons.svg').encodings.br
    fs.truncateSync(path.join(out, br), 10)
    return br
  })
  assert.match(r.stderr, `WARNING: repaired ${file} (was 10 bytes, expected ${size})`)
})

size.run()

const verify = suite('--verify replaces a file whose bytes are wrong')

verify('should rewrite a compiled CSS output corrupted in place, with the same size', async () => {
  const { r, file, size } = await repairCase((out, m) => (flip(path.join(out, m.assets['site.css'])), m.assets['site.css']), { args: ['--verify'] })
  assert.match(r.stderr, `WARNING: repaired ${file} (was ${size} bytes with the wrong content)`)
})

verify('should rewrite .br variants of a static file and of a script corrupted with the same size', async () => {
  let files
  const { r } = await repairCase((out, m) => {
    files = [assetOf(m, 'images/icons.svg').encodings.br, assetOf(m, 'app.ts').encodings.br]
    for (const f of files) flip(path.join(out, f))
    return files[0]
  }, { env: VERIFY })
  for (const f of files) assert.match(r.stderr, `WARNING: repaired ${OUT}/${f} (was `)
})

verify('should compile again when the cache has no good copy of a corrupted output', async () => {
  const env = { KILN_CACHE_DIR: 'cache' }
  const dir = sampleApp(EXTRA)
  try {
    assert.is((await kiln(['build', '--quiet'], { cwd: dir, env })).code, 0)
    const m = manifestOf(dir)
    const file = m.assets['admin.ts']
    flip(path.join(dir, OUT, file))
    flip(path.join(dir, 'cache/outputs', file))
    const r = await kiln(['build', '--json'], { cwd: dir, env: { ...env, ...VERIFY } })
    assert.is(r.code, 0, r.stderr)
    const report = JSON.parse(r.stdout)
    assert.equal(report.steps.compile, ['scripts'])
    assert.equal(report.steps.repaired, [{ file: `${OUT}/${file}`, size: m.files[file].size, found: m.files[file].size }])
    assert.is((await kiln(['verify'], { cwd: dir })).code, 0)
    assert.equal(tree(path.join(dir, OUT)), await fresh())
  } finally {
    remove(dir)
  }
})

verify.run()
