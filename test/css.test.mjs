// CSS entries: @import inlining with conditions, url() rewriting relative to the written
// stylesheet, autoprefixer, warnings and errors with locations.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { build, KilnError } from '../dist/index.js'
import { kiln, project, remove } from './helpers.mjs'

const run = (cwd, options = {}) => build({ cwd, env: {}, minify: false, sourcemap: false, ...options })
const cssOf = (dir, m, name) => fs.readFileSync(path.join(dir, 'public/assets', m.assets[name]), 'utf8')
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 7])

function app(css, extra = {}) {
  return project({
    'assets/styles/deep/page.css': css,
    'assets/styles/deep/here.png': PNG,
    'assets/styles/up.png': Buffer.concat([PNG, Buffer.from('up')]),
    'assets/two up.png': Buffer.concat([PNG, Buffer.from('space')]),
    'assets/icons.svg': '<svg xmlns="http://www.w3.org/2000/svg"><symbol id="a"/></svg>',
    ...extra,
  })
}

const urls = suite('url() rewriting')

urls('should rewrite every local url() form to the fingerprinted file, relative to the written stylesheet', async () => {
  const dir = app([
    '.a { background: url(here.png) }',
    '.b { background: url("./here.png") }',
    ".c { background: url('../up.png') }",
    '.d { background: url( "../../two up.png" ) }',
    '.e { background: url(../../two%20up.png) }',
    '.f { background: url(../../icons.svg?v=1#a) }',
    '.g { background: url("../../icons.svg#a") }',
    '.h { background: image-set("here.png" 1x, url(../up.png) 2x) }',
  ].join('\n'), { 'kiln.config.json': JSON.stringify({ entries: ['styles/deep/page.css'] }) })
  try {
    const { manifestData: m } = await run(dir)
    const css = cssOf(dir, m, 'styles/deep/page.css')
    const rel = (name) => path.posix.relative('styles/deep', m.assets[name]).split('/').map((s) => (s === '..' ? s : encodeURIComponent(s))).join('/')
    assert.match(m.assets['styles/deep/page.css'], /^styles\/deep\/page-[A-Z2-7]{8}\.css$/)
    assert.ok(css.includes(`.a {\n  background: url(${rel('styles/deep/here.png')});`), css)
    assert.ok(css.includes(`.b {\n  background: url(${rel('styles/deep/here.png')});`), css)
    assert.ok(css.includes(`.c {\n  background: url(${rel('styles/up.png')});`), css)
    assert.ok(css.includes(`.d {\n  background: url(${rel('two up.png')});`), css)
    assert.ok(rel('two up.png').startsWith('../../two%20up-'))
    assert.ok(css.includes(`.e {\n  background: url(${rel('two up.png')});`), css)
    assert.ok(css.includes(`.f {\n  background: url(${rel('icons.svg')}?v=1#a);`), css)
    assert.ok(css.includes(`.g {\n  background: url(${rel('icons.svg')}#a);`), css)
    assert.ok(css.includes(`image-set(url(${rel('styles/deep/here.png')}) 1x, url(${rel('styles/up.png')}) 2x)`) ||
      css.includes(`image-set("${rel('styles/deep/here.png')}" 1x, url(${rel('styles/up.png')}) 2x)`), css)
  } finally {
    remove(dir)
  }
})

urls('should leave data:, http(s):, protocol-relative, fragment-only URLs and comments untouched', async () => {
  const dir = app([
    '.a { background: url(data:image/png;base64,iVBORw0KGgo=) }',
    '.b { background: url(http://example.com/x.png) }',
    '.c { background: url("https://example.com/x.png") }',
    '.d { background: url(//cdn.example.com/x.png) }',
    '.e { behavior: url(#default#VML) }',
    '.f { filter: url(#blur) }',
    '/* .g { background: url(missing-in-comment.png) } */',
    '.h { content: "url(not-a-url.png)" }',
  ].join('\n'), { 'kiln.config.json': JSON.stringify({ entries: ['styles/deep/page.css'] }) })
  try {
    const r = await run(dir)
    const css = cssOf(dir, r.manifestData, 'styles/deep/page.css')
    for (const kept of ['url(data:image/png;base64,iVBORw0KGgo=)', 'url(http://example.com/x.png)', 'url(https://example.com/x.png)', 'url(//cdn.example.com/x.png)', 'url(#default#VML)', 'url(#blur)', '"url(not-a-url.png)"']) {
      assert.ok(css.includes(kept), `${kept} in\n${css}`)
    }
    assert.equal(r.warnings, [], 'nothing here is a missing file')
  } finally {
    remove(dir)
  }
})

urls('should warn about a missing target with file:line:col and keep the URL as written', async () => {
  const dir = app('.a {\n  color: red;\n  background: url(nope.png);\n}\n', { 'kiln.config.json': JSON.stringify({ entries: ['styles/deep/page.css'] }) })
  try {
    const r = await run(dir)
    const w = r.warnings[0]
    assert.is(w.text, 'url(nope.png) does not resolve to a file; left as written')
    assert.equal([w.location.file, w.location.line, w.location.column], ['assets/styles/deep/page.css', 3, 18])
    assert.ok(cssOf(dir, r.manifestData, 'styles/deep/page.css').includes('url(nope.png)'))
  } finally {
    remove(dir)
  }
})

urls('should fail on a missing target with --strict, exit 1, and write no manifest', async () => {
  const dir = app('.a { background: url(nope.png) }\n', { 'kiln.config.json': JSON.stringify({ entries: ['styles/deep/page.css'] }) })
  try {
    const r = await kiln(['build', '--strict'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, 'Build failed with 1 error:\nassets/styles/deep/page.css:1:22: ERROR: url(nope.png) does not resolve to a file; left as written')
    assert.not.ok(fs.existsSync(path.join(dir, 'public/assets/manifest.json')))
  } finally {
    remove(dir)
  }
})

urls('should refuse a url() that names a directory', async () => {
  const dir = app('.a { background: url(../../styles) }\n', { 'kiln.config.json': JSON.stringify({ entries: ['styles/deep/page.css'] }) })
  try {
    const err = await run(dir).catch((e) => e)
    assert.instance(err, KilnError)
    assert.is(err.errors[0].text, 'url(../../styles) points at a directory')
  } finally {
    remove(dir)
  }
})

urls('should resolve url()s in partials relative to the partial, not the entry', async () => {
  const dir = project({
    'assets/site.css': '@import "./parts/a.css";\n',
    'assets/parts/a.css': '.a { background: url(../img/x.png) }\n',
    'assets/img/x.png': PNG,
  })
  try {
    const { manifestData: m } = await run(dir)
    assert.ok(cssOf(dir, m, 'site.css').includes(`url(${m.assets['img/x.png']})`))
  } finally {
    remove(dir)
  }
})

urls('should inline files up to inlineLimit bytes as data: URIs', async () => {
  const dir = project({ 'assets/site.css': '.a { background: url(img/x.png) }\n.b { background: url(img/big.png) }\n', 'assets/img/x.png': PNG, 'assets/img/big.png': Buffer.alloc(4096, 1) })
  try {
    const { manifestData: m } = await run(dir, { inlineLimit: 100 })
    const css = cssOf(dir, m, 'site.css')
    assert.ok(css.includes(`url("data:image/png;base64,${PNG.toString('base64')}")`) || css.includes(`url(data:image/png;base64,${PNG.toString('base64')})`), css)
    assert.ok(css.includes(`url(${m.assets['img/big.png']})`), css)
  } finally {
    remove(dir)
  }
})

urls.run()

const imports = suite('@import')

imports('should inline @import with media, supports() and layer conditions', async () => {
  const dir = project({
    'assets/site.css': [
      '@import "a.css";',
      '@import url(b.css) screen and (min-width: 40em);',
      "@import url('c.css') supports(display: grid) print;",
      '@import "d.css" layer(base);',
      '@import "e.css" layer;',
      '@import url(https://fonts.example.com/css);',
      'body { color: black }',
    ].join('\n'),
    'assets/a.css': '.a { color: red }',
    'assets/b.css': '.b { color: green }',
    'assets/c.css': '.c { color: blue }',
    'assets/d.css': '.d { color: gray }',
    'assets/e.css': '.e { color: pink }',
  })
  try {
    const { manifestData: m } = await run(dir, { entries: ['site.css'] })
    const css = cssOf(dir, m, 'site.css').replace(/\s+/g, ' ')
    assert.ok(css.startsWith('@import "https://fonts.example.com/css";') || css.startsWith('@import url(https://fonts.example.com/css);'), css)
    assert.ok(css.includes('.a { color: red; }'), css)
    assert.ok(css.includes('@media screen and (min-width: 40em) { .b { color: green; } }'), css)
    assert.ok(css.includes('@media print { @supports (display: grid) { .c { color: blue; } } }'), css)
    assert.ok(css.includes('@layer base { .d { color: gray; } }'), css)
    assert.ok(css.includes('@layer { .e { color: pink; } }'), css)
    assert.ok(css.indexOf('.a {') < css.indexOf('.b {') && css.indexOf('.e {') < css.indexOf('body {'), 'order is kept')
  } finally {
    remove(dir)
  }
})

imports('should report a missing @import target at the rule', async () => {
  const dir = project({ 'assets/site.css': 'body { color: red }\n@import "./gone.css";\n' })
  try {
    const err = await run(dir).catch((e) => e)
    assert.instance(err, KilnError)
    assert.match(err.message, 'assets/site.css:2:1: ERROR: Cannot find "./gone.css" imported by @import')
  } finally {
    remove(dir)
  }
})

imports('should report a circular @import with the cycle', async () => {
  const dir = project({ 'assets/site.css': '@import "a.css";\n', 'assets/a.css': '@import "b.css";\n', 'assets/b.css': '@import "a.css";\n' })
  try {
    const err = await run(dir).catch((e) => e)
    assert.instance(err, KilnError)
    assert.is(err.errors[0].text, 'Circular @import: assets/a.css → assets/b.css → assets/a.css')
    assert.equal([err.errors[0].location.file, err.errors[0].location.line], ['assets/b.css', 1])
  } finally {
    remove(dir)
  }
})

imports('should report CSS syntax errors, including an unclosed comment, in the partial where they are', async () => {
  const dir = project({ 'assets/site.css': '@import "a.css";\n', 'assets/a.css': '.a { color: red }\n/* never closed\n.b {}\n' })
  try {
    const err = await run(dir).catch((e) => e)
    assert.instance(err, KilnError)
    assert.match(err.message, 'assets/a.css:2:1: ERROR: CSS syntax error: Unclosed comment')
    assert.is(err.errors[0].notes[0].text, 'close the comment with */')
  } finally {
    remove(dir)
  }
})

imports('should import a package stylesheet from node_modules and emit the files it references', async () => {
  const dir = project({
    'assets/site.css': '@import "fancy/dist/fancy.css";\n',
    'node_modules/fancy/dist/fancy.css': '.f { background: url(img/f.png) }\n',
    'node_modules/fancy/dist/img/f.png': PNG,
  })
  try {
    const { manifestData: m } = await run(dir)
    const file = Object.keys(m.files).find((f) => f.endsWith('.png'))
    assert.match(file, /^_\/fancy\/dist\/img\/f-[A-Z2-7]{8}\.png$/)
    assert.ok(cssOf(dir, m, 'site.css').includes(`url(${file})`))
    assert.ok(fs.existsSync(path.join(dir, 'public/assets', file)))
  } finally {
    remove(dir)
  }
})

imports.run()

const prefix = suite('autoprefixer')

prefix('should add the prefixes the browserslist needs and no others', async () => {
  const css = '.a { user-select: none; display: flex }\n'
  const old = project({ 'assets/site.css': css, 'package.json': JSON.stringify({ browserslist: ['firefox 60', 'safari 10'] }) })
  const modern = project({ 'assets/site.css': css, 'package.json': JSON.stringify({ browserslist: ['chrome 120'] }) })
  try {
    const a = cssOf(old, (await run(old)).manifestData, 'site.css')
    const b = cssOf(modern, (await run(modern)).manifestData, 'site.css')
    assert.ok(a.includes('-moz-user-select: none') && a.includes('-webkit-user-select: none'), a)
    assert.not.ok(b.includes('-moz-user-select'), b)
  } finally {
    remove(old)
    remove(modern)
  }
})

prefix.run()
