// Sass and Less through the optional peers `sass` and `less`, resolved from the app (each
// test app links the repository's devDependencies into its own node_modules): entries,
// imports from JS, @use of partials and of packages, errors and warnings with locations,
// source maps back to the partial and line, and the error when the peer is not installed.
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { SourceMapConsumer } from 'source-map-js'
import { assetOf, kiln, manifestOf, project, remove, write, REPO } from './helpers.mjs'

const OUT = 'public/assets'
const read = (dir, file) => fs.readFileSync(path.join(dir, OUT, file), 'utf8')
const build = (dir, args = []) => kiln(['build', '--no-compress', ...args], { cwd: dir })
const ok = (r) => assert.is(r.code, 0, r.stderr)
const FONT = Buffer.from('wOF2-font-bytes')

/** An app with the peers linked from the repository (none: no peer at all) and a small Sass/Less package of its own. */
function app(files, peers = ['sass', 'less']) {
  const dir = project({
    'package.json': '{"name":"app","private":true,"type":"module"}',
    'node_modules/tinykit/package.json': '{"name":"tinykit","version":"1.0.0","sass":"scss/_index.scss"}',
    'node_modules/tinykit/scss/_index.scss': '@forward "kit";\n',
    'node_modules/tinykit/scss/_kit.scss': '$brand: #ff0000 !default;\n@mixin boxed {\n  border: 1px solid $brand;\n}\n',
    'node_modules/tinykit/less/kit.less': '@kit-gap: 7px;\n.kit-gap() { margin: @kit-gap; }\n',
    ...files,
  })
  for (const p of peers) fs.symlinkSync(path.join(REPO, 'node_modules', p), path.join(dir, 'node_modules', p))
  return dir
}

function originOf(dir, cssFile, probe) {
  const css = read(dir, cssFile)
  const map = JSON.parse(read(dir, `${cssFile}.map`))
  const at = css.indexOf(probe)
  assert.ok(at >= 0, `${probe} in ${css}`)
  const before = css.slice(0, at)
  const pos = new SourceMapConsumer(map).originalPositionFor({ line: before.split('\n').length, column: at - before.lastIndexOf('\n') - 1 })
  for (const s of map.sources) assert.not.ok(path.isAbsolute(s) || s.startsWith('file:'), `relative source: ${s}`)
  return { source: pos.source && path.posix.normalize(path.posix.join(path.posix.dirname(`${OUT}/${cssFile}`), pos.source)), line: pos.line }
}

const SASS_FILES = {
  'assets/theme.scss': '@use "tinykit/scss/kit" with ($brand: #00ff00);\n@use "styles/vars" as v;\n\n.theme {\n  color: v.$fg;\n  @include kit.boxed;\n}\n',
  'assets/styles/_vars.scss': '$fg: #123456;\n\n.from-partial {\n  src: url(../fonts/a.woff2);\n}\n',
  'assets/fonts/a.woff2': FONT,
  'assets/_root-partial.scss': '.never-an-entry { color: red }\n',
  'assets/indented.sass': '@use "tinykit" as k\n\n.indented\n  @include k.boxed\n',
}

// ---------------------------------------------------------------------------------------

const entries = suite('Sass entries')

entries('should compile a .scss entry with @use of a partial and of a package, write theme.scss as theme-HASH.css, and never make a partial an entry', async () => {
  const dir = app({ ...SASS_FILES, 'assets/pkg.scss': '@use "pkg:tinykit" as t;\n.pkg-url {\n  @include t.boxed;\n}\n' })
  try {
    ok(await build(dir, ['--strict', '--css-sourcemap']))
    const m = manifestOf(dir)
    assert.match(m.assets['theme.scss'], /^theme-[A-Z2-7]{8}\.css$/)
    assert.match(assetOf(m, 'theme.scss').map, /^theme-[A-Z2-7]{8}\.css\.map$/)
    const css = read(dir, m.assets['theme.scss'])
    assert.match(css, /\.theme\{color:#123456;border:1px solid (#00ff00|#0f0|lime)\}/)
    assert.match(css, `.from-partial{src:url(${m.assets['fonts/a.woff2']})}`, 'a url() in a partial resolves from the partial')
    assert.match(read(dir, m.assets['indented.sass']), /\.indented\{border:1px solid (#ff0000|#f00|red)\}/, '.sass and a package\'s `sass` field')
    assert.match(read(dir, m.assets['pkg.scss']), /\.pkg-url\{border:1px solid/, 'pkg: URLs')
    for (const name of Object.keys(m.assets)) assert.not.match(name, /_root-partial|_vars/, `${name} is a partial`)
    assert.not.ok(Object.keys(m.files).some((f) => /\.s[ac]ss$/.test(f)), 'Sass sources are never copied')
  } finally {
    remove(dir)
  }
})

entries('should rebuild the entry when a partial changes, and only then', async () => {
  const dir = app(SASS_FILES)
  try {
    ok(await build(dir))
    const same = JSON.parse((await build(dir, ['--json'])).stdout)
    assert.is(same.steps.compile, 'skipped')
    write(dir, { 'assets/styles/_vars.scss': '$fg: #abcdef;\n' })
    const again = JSON.parse((await build(dir, ['--json'])).stdout)
    assert.ok(again.steps.compile.includes('style:theme.scss'), JSON.stringify(again.steps.compile))
    assert.match(read(dir, manifestOf(dir).assets['theme.scss']), 'color:#abcdef')
  } finally {
    remove(dir)
  }
})

entries('should report a Sass error at the partial\'s file:line:col and a Sass @warn as a warning with its location', async () => {
  const dir = app({ 'assets/theme.scss': '@use "parts/broken";\n', 'assets/parts/_broken.scss': '.a {\n  color: $undefined-variable;\n}\n' })
  try {
    const r = await build(dir)
    assert.is(r.code, 1)
    assert.match(r.stderr, 'assets/parts/_broken.scss:2:10: ERROR: Sass: Undefined variable.')
    write(dir, { 'assets/parts/_broken.scss': '.a {\n  @warn "careful";\n  color: red;\n}\n' })
    const w = await build(dir)
    ok(w)
    assert.match(w.stderr, 'assets/parts/_broken.scss:2:3: WARNING: Sass: careful')
  } finally {
    remove(dir)
  }
})

entries.run()

// ---------------------------------------------------------------------------------------

const fromJs = suite('Sass and Less imported from JS')

fromJs('should compile .scss, .sass, .module.scss and .less imported from a script into the entry\'s CSS', async () => {
  const dir = app({
    'assets/app.ts': "import s from './ui/button.module.scss'\nimport './ui/plain.scss'\nimport './ui/indented.sass'\nimport './ui/legacy.less'\nexport default s\n",
    'assets/ui/button.module.scss': '@use "tinykit/scss/kit";\n.primary {\n  @include kit.boxed;\n}\n',
    'assets/ui/plain.scss': '$w: 3px;\n.plain { width: $w * 2 }\n',
    'assets/ui/indented.sass': '.indented\n  color: blue\n',
    'assets/ui/legacy.less': '@import "tinykit/less/kit.less";\n.legacy { .kit-gap(); }\n',
  })
  try {
    ok(await build(dir, ['--strict']))
    const m = manifestOf(dir)
    const css = assetOf(m, 'app.ts').css.map((f) => read(dir, f)).join('')
    const { default: s } = await import(pathToFileURL(path.join(dir, OUT, m.assets['app.ts'])).href)
    assert.ok(s.primary && s.primary !== 'primary', 'a scoped class name')
    assert.match(css, new RegExp(`\\.${s.primary}\\{border:1px solid (#ff0000|#f00|red)\\}`))
    assert.match(css, '.plain{width:6px}')
    assert.match(css, '.indented{color:#00f}')
    assert.match(css, '.legacy{margin:7px}')
  } finally {
    remove(dir)
  }
})

fromJs.run()

// ---------------------------------------------------------------------------------------

const less = suite('Less entries')

less('should compile a .less entry with an @import of a partial and of a package, and report errors at file:line', async () => {
  const dir = app({
    'assets/site.less': '@import "parts/colors";\n@import "tinykit/less/kit.less";\n.site {\n  color: @accent;\n  .kit-gap();\n}\n',
    'assets/parts/colors.less': '@accent: #0000ff;\n',
  })
  try {
    ok(await build(dir, ['--strict']))
    const m = manifestOf(dir)
    assert.match(m.assets['site.less'], /^site-[A-Z2-7]{8}\.css$/)
    assert.match(read(dir, m.assets['site.less']), '.site{color:#00f;margin:7px}')
    assert.not.ok(m.assets['parts/colors.less'], 'an imported .less below the root is not an entry')
    write(dir, { 'assets/parts/colors.less': '@accent: #0000ff;\n.x { color: @nope; }\n' })
    const r = await build(dir)
    assert.is(r.code, 1)
    assert.match(r.stderr, 'assets/parts/colors.less:2:')
    assert.match(r.stderr, 'ERROR: Less: variable @nope is undefined')
  } finally {
    remove(dir)
  }
})

less.run()

// ---------------------------------------------------------------------------------------

const peers = suite('missing preprocessor peers')

peers('should say "install sass to build theme.scss" at the importing file:line, and at an entry', async () => {
  const dir = app({
    'assets/app.ts': "console.log('app')\nimport './ui/button.scss'\n", 'assets/ui/button.scss': '.b { c: d }\n',
    'assets/theme.scss': '.a { b: c }\n', 'assets/site.less': '.a { b: c }\n',
  }, [])
  try {
    const r = await build(dir)
    assert.is(r.code, 1)
    assert.match(r.stderr, 'assets/app.ts:2:8: ERROR: install sass to build button.scss')
    assert.match(r.stderr, 'assets/theme.scss:1:1: ERROR: install sass to build theme.scss')
    assert.match(r.stderr, 'npm install -D sass')
    assert.match(r.stderr, 'assets/site.less:1:1: ERROR: install less to build site.less')
    assert.match(r.stderr, 'npm install -D less')
  } finally {
    remove(dir)
  }
})

peers('should use the app\'s own sass, not one Kiln could find elsewhere', async () => {
  // A fake "sass" in the app that compiles everything to a marker rule: Kiln must load this one.
  const dir = app({
    'node_modules/sass/package.json': '{"name":"sass","version":"0.0.0-fake","main":"index.js"}',
    'node_modules/sass/index.js': "exports.compile = () => ({ css: '.from-the-apps-own-sass { color: red }', loadedUrls: [] })\n",
    'assets/theme.scss': '.a { b: c }\n',
  }, ['less'])
  try {
    ok(await build(dir))
    assert.match(read(dir, manifestOf(dir).assets['theme.scss']), '.from-the-apps-own-sass')
  } finally {
    remove(dir)
  }
})

peers.run()

// ---------------------------------------------------------------------------------------

const maps = suite('source maps of Sass and Less')

maps('should map rules of a Sass entry, of Sass imported from JS and of a Less entry back to the file and line that wrote them', async () => {
  const dir = app({
    ...SASS_FILES,
    'assets/app.ts': "import './ui/card.scss'\n",
    'assets/ui/card.scss': '@use "../styles/vars";\n\n.card-a {\n  background: url(../fonts/a.woff2);\n}\n\n.card-b { color: red }\n',
    'assets/site.less': '@import "parts/colors";\n\n.site { color: @accent; }\n',
    'assets/parts/colors.less': '@accent: blue;\n.less-partial { color: @accent; }\n',
  })
  try {
    ok(await build(dir, ['--css-sourcemap']))
    const m = manifestOf(dir)
    assert.equal(originOf(dir, m.assets['theme.scss'], '.theme'), { source: 'assets/theme.scss', line: 4 })
    assert.equal(originOf(dir, m.assets['theme.scss'], '.from-partial'), { source: 'assets/styles/_vars.scss', line: 3 })
    const js = assetOf(m, 'app.ts').css[0]
    assert.equal(originOf(dir, js, '.card-b'), { source: 'assets/ui/card.scss', line: 7 })
    assert.equal(originOf(dir, js, '.from-partial'), { source: 'assets/styles/_vars.scss', line: 3 })
    assert.equal(originOf(dir, m.assets['site.less'], '.site'), { source: 'assets/site.less', line: 3 })
    assert.equal(originOf(dir, m.assets['site.less'], '.less-partial'), { source: 'assets/parts/colors.less', line: 2 })
  } finally {
    remove(dir)
  }
})

maps.run()
