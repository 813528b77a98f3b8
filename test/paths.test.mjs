// Paths: the source root and the artifact directory never overlap (symbolic links resolved),
// a root or an entry reached through a symbolic link builds, and every file name under the
// root is either built or an error naming it: discovery never loses a file silently.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { kiln, manifestOf, project, remove, sampleApp, tree, write } from './helpers.mjs'
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
    assert.ok(m.assets['app.ts'].css?.length, 'the CSS the entry imports')
    assert.ok(m.assets['app.ts'].dynamicImports?.length, 'the lazy chunk')
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
    const js = fs.readFileSync(path.join(dir, OUT, m.assets['widget.ts'].file), 'utf8')
    assert.match(js, 'greet("widget")')
    assert.match(m.assets['widget.ts'].file, /^widget-[A-Z2-7]{8}\.js$/, 'named after the link')
    assert.ok(m.assets['widget.ts'].css?.length, 'the CSS it imports')
    const css = fs.readFileSync(path.join(dir, OUT, m.assets['theme.css'].file), 'utf8')
    assert.match(css, '.parts')
    assert.match(css, m.assets['images/logo.svg'].file)
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
    assert.match(m.assets['admin.ts'].file, /^admin-/)
    assert.match(m.assets['alias.ts'].file, /^alias-/)
  } finally {
    remove(dir)
  }
})

links.run()
