// The command line's code cache (bin/code-cache.js): dist/cli.cjs compiled through V8's
// cachedData, kept in the node_modules/.cache that holds the package. Each load runs in its
// own Node process, as the command does (one process, one compile), on a real package layout.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import * as acorn from 'acorn'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { kiln, manifestOf, project, remove, REPO } from './helpers.mjs'

const LOADER = pathToFileURL(path.join(REPO, 'bin', 'code-cache.js')).href

/** An app with a package at node_modules/pkg whose dist/cli.cjs exports `value`. */
function layout(value = 'first') {
  const dir = project({ 'node_modules/pkg/package.json': '{"name":"pkg"}' }, 'kiln-code-cache-')
  writeModule(dir, value)
  return dir
}

const moduleFile = (dir) => path.join(dir, 'node_modules', 'pkg', 'dist', 'cli.cjs')
const cacheDir = (dir) => path.join(dir, 'node_modules', '.cache', 'kiln-assets')
const caches = (dir) => (fs.existsSync(cacheDir(dir)) ? fs.readdirSync(cacheDir(dir)).sort() : [])

function writeModule(dir, value) {
  fs.mkdirSync(path.dirname(moduleFile(dir)), { recursive: true })
  fs.writeFileSync(moduleFile(dir), `exports.value = ${JSON.stringify(value)}\nexports.twice = function twice(n) { return n * 2 }\n`)
}

/** Loads the module in a new Node process, then keeps its cache: { cache, value, file }. */
function load(dir) {
  const script = `import { requireCached } from ${JSON.stringify(LOADER)}
const m = requireCached(${JSON.stringify(moduleFile(dir))})
const out = { cache: m.cache, value: m.exports.value, twice: m.exports.twice(21), file: m.file }
m.keep()
console.log(JSON.stringify(out))`
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }))
}

const cache = suite('code cache of the bundled CLI')

cache('should write the cache into the node_modules/.cache holding the package and use it on the next run', () => {
  const dir = layout()
  try {
    const first = load(dir)
    assert.equal([first.cache, first.value, first.twice], ['none', 'first', 42])
    assert.is(path.dirname(first.file), cacheDir(dir))
    assert.equal(caches(dir), [path.basename(first.file)])
    assert.match(path.basename(first.file), /^cli-[0-9a-f]{32}\.v8$/)
    const second = load(dir)
    assert.equal([second.cache, second.value, second.twice, second.file], ['used', 'first', 42, first.file])
  } finally {
    remove(dir)
  }
})

cache('should never use a cache made for other bytes of the same length', () => {
  const dir = layout('first')
  try {
    const before = load(dir)
    // V8 checks only the source's length: the name must change with the bytes.
    writeModule(dir, 'other')
    const after = load(dir)
    assert.equal([after.cache, after.value], ['none', 'other'])
    assert.is.not(after.file, before.file)
    assert.equal(caches(dir), [path.basename(after.file)], "the other bytes' cache is replaced")
  } finally {
    remove(dir)
  }
})

cache('should replace a damaged cache, or one V8 rejects, and run the module all the same', () => {
  const dir = layout()
  try {
    const { file } = load(dir)
    const whole = fs.readFileSync(file)
    // One byte changed in its middle (V8 itself would run it: a release build checks no checksum), overwritten whole, torn, empty.
    const flipped = Buffer.from(whole)
    flipped[flipped.length >> 1] ^= 0x55
    for (const bytes of [flipped, Buffer.alloc(whole.length, 7), whole.subarray(0, whole.length >> 1), Buffer.alloc(0)]) {
      fs.writeFileSync(file, bytes)
      const r = load(dir)
      assert.equal([r.cache, r.value, r.twice], ['rejected', 'first', 42], `${bytes.length} bytes`)
      assert.is(load(dir).cache, 'used', 'written again')
    }
  } finally {
    remove(dir)
  }
})

cache('should remove only caches it named when it writes one', () => {
  const dir = layout()
  try {
    const old = `cli-${'a'.repeat(32)}.v8`
    const others = ['cli-notes.v8', 'state-v2.json', `cli-${'b'.repeat(32)}.txt`]
    fs.mkdirSync(cacheDir(dir), { recursive: true })
    for (const f of [old, ...others]) fs.writeFileSync(path.join(cacheDir(dir), f), 'x')
    const { file } = load(dir)
    assert.equal(caches(dir), [...others, path.basename(file)].sort())
  } finally {
    remove(dir)
  }
})

cache('should run without a cache where it cannot write one', () => {
  const dir = layout()
  try {
    // A file where the cache directory would go: mkdir fails whoever runs the test (root too).
    fs.writeFileSync(path.join(dir, 'node_modules', '.cache'), 'not a directory')
    for (let i = 0; i < 2; i++) assert.equal([load(dir).cache, load(dir).value], ['none', 'first'])
  } finally {
    remove(dir)
  }
})

const cli = suite('kiln with its code cache')

cli('should keep no import() in dist/cli.cjs: a function restored from the cache cannot import on Node 20', () => {
  const found = []
  const visit = (node) => {
    if (Array.isArray(node)) node.forEach(visit)
    else if (node && typeof node === 'object') {
      if (node.type === 'ImportExpression') found.push(node.loc.start.line)
      for (const [k, v] of Object.entries(node)) if (k !== 'loc') visit(v)
    }
  }
  visit(acorn.parse(fs.readFileSync(path.join(REPO, 'dist', 'cli.cjs'), 'utf8'), { ecmaVersion: 'latest', locations: true }))
  assert.equal(found, [])
})

cli('should load a config file and the transforms\' parsers through import() once the cache is in use', async () => {
  const dir = project({
    'package.json': '{"name":"cached-app","type":"module"}',
    'kiln.config.mjs': "export default { root: 'src', define: { __GREETING__: JSON.stringify('hello') } }\n",
    'src/app.js': "const logo = new URL('./logo.svg', import.meta.url)\nconsole.log(__GREETING__, logo.href, import.meta.env.MODE)\n",
    'src/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  })
  try {
    // The first build writes the cache when there is none for this dist/cli.cjs and this Node.
    const first = await kiln(['build'], { cwd: dir })
    assert.is(first.code, 0, first.stderr)
    const written = fs.readdirSync(path.join(REPO, 'node_modules', '.cache', 'kiln-assets')).filter((f) => /^cli-[0-9a-f]{32}\.v8$/.test(f))
    assert.is(written.length, 1, 'one cache, for this bundle')
    const file = path.join(REPO, 'node_modules', '.cache', 'kiln-assets', written[0])
    const mtime = fs.statSync(file).mtimeMs
    // Without the build cache: the script is compiled again, through the transforms.
    for (const d of ['public', '.kiln-cache']) fs.rmSync(path.join(dir, d), { recursive: true })
    const second = await kiln(['build'], { cwd: dir })
    assert.is(second.code, 0, second.stderr)
    assert.is(fs.statSync(file).mtimeMs, mtime, 'used, not rejected and written again')
    const m = manifestOf(dir)
    const js = fs.readFileSync(path.join(dir, 'public', 'assets', m.assets['app.js']), 'utf8')
    assert.match(js, '"hello"')
    assert.match(js, m.assets['logo.svg'])
    assert.match(js, '"production"')
  } finally {
    remove(dir)
  }
})

cli('should write the cache after a build, never after --help or --version (a cache V8 accepts is never written again)', async () => {
  const dir = project({ 'package.json': '{"name":"help-app"}', 'assets/app.js': 'console.log(1)\n' })
  const kept = path.join(REPO, 'node_modules', '.cache', 'kiln-assets')
  const written = () => (fs.existsSync(kept) ? fs.readdirSync(kept).filter((f) => /^cli-[0-9a-f]{32}\.v8$/.test(f)) : [])
  try {
    for (const f of written()) fs.rmSync(path.join(kept, f))
    for (const args of [['build', '--help'], ['build', '-h'], ['--version'], ['--help']]) {
      const r = await kiln(args, { cwd: dir })
      assert.is(r.code, 0, r.stderr)
      assert.equal(written(), [], args.join(' '))
    }
    const b = await kiln(['build'], { cwd: dir })
    assert.is(b.code, 0, b.stderr)
    assert.is(written().length, 1)
  } finally {
    remove(dir)
  }
})

cache.run()
cli.run()
