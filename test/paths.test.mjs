// Paths: the source root and the artifact directory never overlap (symbolic links resolved),
// a root or an entry reached through a symbolic link builds, and every file name under the
// root is either built or an error naming it: discovery never loses a file silently.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { assetOf, kiln, manifestOf, project, remove, sampleApp, tree, write } from './helpers.mjs'
import { loadManifest } from '../dist/runtime/index.js'

const OUT = 'public/assets'

/** Every path below `dir`, links listed and not followed. */
function listing(dir) {
  return fs.readdirSync(dir, { recursive: true }).map(String).sort()
}

const overlap = suite('root and output overlap')

// [name, arrange(dir) → extra build args, message on stderr]
const OVERLAPS = [
  ['an output equal to the root', () => ['--out', 'assets'], 'ERROR: The output directory assets is the source root'],
  ['an output inside the root', () => ['--out', 'assets/dist'], 'ERROR: The output directory assets/dist is inside the source root assets'],
  ['an output that is a link into the root', (d) => (fs.symlinkSync(path.join(d, 'assets/images'), path.join(d, 'linked')), ['--out', 'linked/out']),
    'ERROR: The output directory linked/out (a link to assets/images/out) is inside the source root assets'],
  ['an output whose parent is a link to the root', (d) => (fs.symlinkSync('assets', path.join(d, 'alias')), ['--out', 'alias']),
    'ERROR: The output directory alias (a link to assets) is the source root'],
  ['a root inside the output', () => ['--root', 'public/assets/src', '--out', 'public'], 'ERROR: The source root public/assets/src is inside the output directory public'],
  ['a root that is a link into the output', (d) => (fs.mkdirSync(path.join(d, 'public/src'), { recursive: true }), fs.symlinkSync('public/src', path.join(d, 'src')), ['--root', 'src', '--out', 'public']),
    'ERROR: The source root public/src is inside the output directory public'],
]

for (const [name, arrange, expected] of OVERLAPS) {
  overlap(`should refuse ${name} with exit 1, a clear message, and write nothing`, async () => {
    const dir = sampleApp()
    try {
      const args = arrange(dir)
      const before = listing(dir)
      const r = await kiln(['build', ...args], { cwd: dir })
      assert.is(r.code, 1, r.stderr)
      assert.match(r.stderr, expected)
      assert.match(r.stderr, /hint: every build would read|hint: kiln watch ignores/)
      assert.not.match(r.stderr, /internal error|\n\s+at /)
      assert.equal(listing(dir), before, 'nothing written')
    } finally {
      remove(dir)
    }
  })
}

overlap('should refuse an overlap set in the config file or the environment too', async () => {
  const dir = sampleApp({ 'kiln.config.json': '{ "out": "assets/build" }' })
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1, r.stderr)
    assert.match(r.stderr, 'ERROR: The output directory assets/build is inside the source root assets')
    const e = await kiln(['build'], { cwd: dir, env: { KILN_OUT: 'assets', KILN_CONFIG: '' } })
    assert.is(e.code, 1, e.stderr)
    assert.match(e.stderr, 'ERROR: The output directory assets is the source root')
  } finally {
    remove(dir)
  }
})

overlap('should build a root and an output that only share a name prefix or a parent', async () => {
  const dir = sampleApp()
  try {
    for (const out of ['assets-out', 'public/assets']) {
      const r = await kiln(['build', '--out', out], { cwd: dir })
      assert.is(r.code, 0, r.stderr)
      assert.ok(manifestOf(dir, out).assets['app.ts'])
    }
  } finally {
    remove(dir)
  }
})

overlap.run()

const links = suite('symbolic links')

links('should build a root that is a symbolic link, as the directory it points at', async () => {
  const dir = sampleApp()
  try {
    fs.renameSync(path.join(dir, 'assets'), path.join(dir, 'sources'))
    fs.symlinkSync('sources', path.join(dir, 'assets'))
    const r = await kiln(['build', '--strict'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    const m = manifestOf(dir)
    assert.equal(Object.keys(m.assets).sort(), ['admin.ts', 'app.ts', 'images/dot.png', 'images/logo.svg', 'robots.txt', 'site.css'])
    assert.ok(assetOf(m, 'app.ts').css?.length, 'the CSS the entry imports')
    assert.ok(assetOf(m, 'app.ts').dynamicImports?.length, 'the lazy chunk')
    assert.is((await kiln(['verify'], { cwd: dir })).code, 0)
  } finally {
    remove(dir)
  }
})

links('should build an entry that is a symbolic link to a file inside the root, relative to the file it points at', async () => {
  const dir = sampleApp({
    'assets/widgets/widget.ts': "import './widget.css'\nimport { greet } from '../lib/shared'\nexport const w = greet('widget')\n",
    'assets/widgets/widget.css': '.w { background: url(../images/dot.png) }\n',
    'assets/widgets/theme.css': '@import "./parts.css";\n.t { background: url(../images/logo.svg) }\n',
    'assets/widgets/parts.css': '.parts { color: red }\n',
  })
  try {
    fs.symlinkSync('widgets/widget.ts', path.join(dir, 'assets/widget.ts'))
    fs.symlinkSync('widgets/theme.css', path.join(dir, 'assets/theme.css'))
    const r = await kiln(['build', '--strict', '--no-minify'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    assert.not.match(r.stderr, /internal error/)
    const m = manifestOf(dir)
    const js = fs.readFileSync(path.join(dir, OUT, m.assets['widget.ts']), 'utf8')
    assert.match(js, 'greet("widget")')
    assert.match(m.assets['widget.ts'], /^widget-[A-Z2-7]{8}\.js$/, 'named after the link')
    assert.ok(assetOf(m, 'widget.ts').css?.length, 'the CSS it imports')
    const css = fs.readFileSync(path.join(dir, OUT, m.assets['theme.css']), 'utf8')
    assert.match(css, '.parts')
    assert.match(css, m.assets['images/logo.svg'])
    assert.is((await kiln(['verify'], { cwd: dir })).code, 0)
  } finally {
    remove(dir)
  }
})

links('should build an entry and a link to it as two entries with their own outputs', async () => {
  const dir = sampleApp({ 'kiln.config.json': '{ "entries": ["admin.ts", "alias.ts", "app.ts"] }' })
  try {
    fs.symlinkSync('admin.ts', path.join(dir, 'assets/alias.ts'))
    const r = await kiln(['build', '--strict'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    const m = manifestOf(dir)
    assert.match(m.assets['admin.ts'], /^admin-/)
    assert.match(m.assets['alias.ts'], /^alias-/)
  } finally {
    remove(dir)
  }
})

links.run()

const names = suite('file names')

/** A path under `dir` from parts that are strings or byte arrays (names that are not UTF-8). */
const bytesPath = (dir, ...parts) => Buffer.concat([Buffer.from(dir), ...parts.flatMap((p) => [Buffer.from('/'), Buffer.from(p)])])

async function failsNaming(dir, expected) {
  assert.is((await kiln(['build', '--quiet'], { cwd: dir })).code, 0, 'the first build')
  return { before: tree(path.join(dir, OUT)), async check() {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1, r.stderr)
    for (const e of [].concat(expected)) assert.match(r.stderr, e)
    assert.not.match(r.stderr, /internal error|\n\s+at /)
    assert.equal(tree(path.join(dir, OUT)), this.before, 'the previous build is intact')
  } }
}

names('should fail naming a file whose name is not valid UTF-8, instead of dropping its directory', async () => {
  const dir = sampleApp()
  try {
    const run = await failsNaming(dir, ['assets/images/caf\\xE9.png:1:1: ERROR: The name of assets/images/caf\\xE9.png is not valid UTF-8', /hint: rename it/])
    fs.writeFileSync(bytesPath(dir, 'assets/images', [0x63, 0x61, 0x66, 0xe9, 0x2e, 0x70, 0x6e, 0x67]), 'x')
    await run.check()
  } finally {
    remove(dir)
  }
})

names('should fail naming a directory whose name is not valid UTF-8, once, with what is in it', async () => {
  const dir = sampleApp()
  try {
    const run = await failsNaming(dir, /ERROR: The name of the directory assets\/d\\xE9j\\xE0 is not valid UTF-8, so it cannot be part of a URL \(nothing in it is built\)/)
    fs.mkdirSync(bytesPath(dir, 'assets', [0x64, 0xe9, 0x6a, 0xe0]))
    for (const f of ['a.txt', 'b.txt']) fs.writeFileSync(bytesPath(dir, 'assets', [0x64, 0xe9, 0x6a, 0xe0], f), f)
    await run.check()
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.stderr.match(/d\\xE9j\\xE0/g).length, 2, 'one message (location and text)')
  } finally {
    remove(dir)
  }
})

names('should fail naming a file with a backslash, never writing a manifest the runtime rejects', async () => {
  const dir = sampleApp()
  try {
    const run = await failsNaming(dir, 'ERROR: The name of assets/images/back\\slash.png contains a backslash')
    write(dir, { 'assets/images/back\\slash.png': 'x' })
    await run.check()
    fs.renameSync(path.join(dir, 'assets/images/back\\slash.png'), path.join(dir, 'assets/images/back-slash.png'))
    assert.is((await kiln(['build'], { cwd: dir })).code, 0)
    assert.ok(loadManifest(path.join(dir, OUT, 'manifest.json'), { env: {} }).url('images/back-slash.png'))
  } finally {
    remove(dir)
  }
})

names('should fail naming files and directories with a newline or a line separator, which no glob matches', async () => {
  const dir = sampleApp()
  try {
    const run = await failsNaming(dir, ['ERROR: The name of assets/images/new\\nline.png contains a control character (\\n)',
      'ERROR: The name of the directory assets/odd\\u2028dir contains a control character (\\u2028)'])
    write(dir, { 'assets/images/new\nline.png': 'x', 'assets/odd\u2028dir/inside.txt': 'y' })
    await run.check()
  } finally {
    remove(dir)
  }
})

names("should fail naming a script whose name has '#', '?' or '%', which esbuild would write into an import() path as is", async () => {
  const dir = sampleApp()
  try {
    const run = await failsNaming(dir, ["ERROR: The name of assets/lib/lazy#1.ts contains '#'", "ERROR: The name of assets/lib/50%.ts contains '%'"])
    write(dir, {
      'assets/lib/lazy#1.ts': 'export const one = 1\n',
      'assets/lib/50%.ts': 'export const half = 0.5\n',
      'assets/admin.ts': "import('./lib/lazy#1').then((m) => console.log(m.one))\nimport('./lib/50%').then((m) => console.log(m.half))\n",
    })
    await run.check()
  } finally {
    remove(dir)
  }
})

names('should give a referenced file outside the root whose name has a backslash a name the runtime accepts', async () => {
  const dir = sampleApp({ 'shared/back\\slash.png': 'png', 'assets/admin.ts': "import u from '../shared/back\\\\slash.png'\nconsole.log(u)\n" })
  try {
    const r = await kiln(['build', '--strict'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    const files = Object.keys(manifestOf(dir).files)
    assert.ok(files.some((f) => /^_\/__\/shared\/back_slash-[A-Z2-7]{8}\.png$/.test(f)), files.join(' '))
    assert.is((await kiln(['verify'], { cwd: dir })).code, 0)
    assert.ok(loadManifest(path.join(dir, OUT, 'manifest.json'), { env: {} }).url('admin.ts'))
  } finally {
    remove(dir)
  }
})

names('should not look at names where Kiln never reads: node_modules and dot directories', async () => {
  const dir = sampleApp()
  try {
    for (const d of ['assets/node_modules/pkg', 'assets/.git']) {
      fs.mkdirSync(path.join(dir, d), { recursive: true })
      fs.writeFileSync(bytesPath(dir, d, [0x62, 0xe9]), 'x')
      write(dir, { [`${d}/new\nline`]: 'y' })
    }
    const r = await kiln(['build', '--strict'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    assert.ok(manifestOf(dir).assets['images/logo.svg'])
  } finally {
    remove(dir)
  }
})

names.run()
