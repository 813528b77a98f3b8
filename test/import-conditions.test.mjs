// A remote @import hoisted to the top of a CSS entry keeps its own media, supports() and
// layer() conditions and takes those of every @import it was inlined through; it lands after
// the @charset and @layer statements that preceded it.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { kiln, manifestOf, project, remove } from './helpers.mjs'
import { andMediaLists } from '../dist/css/import-conditions.js'

const OUT = 'public/assets'

async function builtCss(files) {
  const dir = project(files)
  try {
    const r = await kiln(['build', '--no-minify', '--strict'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    return fs.readFileSync(path.join(dir, OUT, manifestOf(dir).assets['site.css']), 'utf8')
  } finally {
    remove(dir)
  }
}

const imports = (css) => css.split('\n').filter((l) => l.startsWith('@import'))

const hoisted = suite('remote @import conditions')

hoisted('should keep the media, supports() and layer() of a remote @import in the entry', async () => {
  const css = await builtCss({
    'assets/site.css': '@import url(https://cdn.example/a.css) screen and (min-width: 40em);\n@import url("https://cdn.example/b.css") supports(display: grid) print;\n@import url(https://cdn.example/c.css) layer(base);\n.z { color: blue }\n',
  })
  assert.equal(imports(css), [
    '@import "https://cdn.example/a.css" screen and (min-width: 40em);',
    '@import "https://cdn.example/b.css" supports(display: grid) print;',
    '@import "https://cdn.example/c.css" layer(base);',
  ])
})

hoisted('should give a remote @import the conditions of the local @import it was inlined through, nested', async () => {
  const css = await builtCss({
    'assets/site.css': '@import "./lib/part.css" screen and (max-width: 30em);\n@import "./lib/lay.css" layer(x) supports(display: flex);\n.z { color: blue }\n',
    'assets/lib/part.css': '@import url(https://cdn.example/d.css);\n@import url(https://cdn.example/e.css) (min-width: 10em), print;\n.p { color: green }\n',
    'assets/lib/lay.css': '@import "https://cdn.example/f.css" layer(inner) supports(gap: 1px) screen;\n@import "./deeper.css" (orientation: landscape);\n.l { color: green }\n',
    'assets/lib/deeper.css': '@import url(https://cdn.example/g.css) (color);\n.d { color: red }\n',
  })
  assert.equal(imports(css), [
    '@import "https://cdn.example/d.css" screen and (max-width: 30em);',
    // print cannot be screen: that pair of queries is dropped.
    '@import "https://cdn.example/e.css" screen and (max-width: 30em) and (min-width: 10em);',
    '@import "https://cdn.example/f.css" layer(x.inner) supports((display: flex) and (gap: 1px)) screen;',
    '@import "https://cdn.example/g.css" layer(x) supports(display: flex) (orientation: landscape) and (color);',
  ])
  assert.match(css, /@media screen and \(max-width: 30em\) \{\s+\.p/)
})

hoisted('should nest what one @import cannot say (an anonymous layer, a negated query) through a data: stylesheet', async () => {
  const css = await builtCss({
    'assets/site.css': '@import "./anon.css" layer;\n@import "./notq.css" not print;\n@import "./never.css" print;\n',
    'assets/anon.css': '@import url(https://cdn.example/h.css) layer(named);\n.an { color: red }\n',
    'assets/notq.css': '@import url(https://cdn.example/i.css) screen;\n.nq { color: red }\n',
    'assets/never.css': '@import url(https://cdn.example/j.css) screen;\n.nv { color: red }\n',
  })
  const [anon, notq, never] = imports(css)
  const inner = (line) => decodeURIComponent(/data:text\/css,([^"]+)"/.exec(line)[1])
  assert.match(anon, /^@import "data:text\/css,[^"]+" layer;$/)
  assert.is(inner(anon), '@import url(https://cdn.example/h.css) layer(named);')
  assert.match(notq, /^@import "data:text\/css,[^"]+" not print;$/)
  assert.is(inner(notq), '@import url(https://cdn.example/i.css) screen;')
  assert.is(never, '@import "https://cdn.example/j.css" not all;')
})

hoisted('should hoist remote @imports after the @charset and the @layer statements before them, which set the layer order', async () => {
  const css = await builtCss({
    'assets/site.css': '@charset "utf-8";\n@layer reset, base;\n@import url(https://cdn.example/a.css) layer(base);\n@import "./lib/part.css";\n.z { color: blue }\n',
    'assets/lib/part.css': '@import url(https://cdn.example/b.css) layer(reset);\n.p { color: green }\n',
  })
  const lines = css.split('\n').filter((l) => l.startsWith('@'))
  assert.equal(lines.slice(0, 4), ['@charset "UTF-8";', '@layer reset, base;', '@import "https://cdn.example/a.css" layer(base);', '@import "https://cdn.example/b.css" layer(reset);'])
})

hoisted.run()

const media = suite('media query lists, both matching')

const CASES = [
  ['screen', 'print', 'not all'],
  ['screen', 'all', 'screen'],
  ['all', '(color)', '(color)'],
  ['screen and (min-width: 1px)', '(max-width: 9px)', 'screen and (min-width: 1px) and (max-width: 9px)'],
  ['screen, print', '(color)', 'screen and (color), print and (color)'],
  ['(min-width: 1px) or (hover)', 'screen', 'screen and ((min-width: 1px) or (hover))'],
  ['only screen', '(color)', 'only screen and (color)'],
  ['SCREEN', 'screen and (color)', 'SCREEN and (color)'],
  ['not print', 'all', 'not print'],
  ['not print', 'screen', null],
  ['screen', 'not (color)', 'screen and (not (color))'],
]

for (const [a, b, expected] of CASES) {
  media(`should join "${a}" and "${b}" as ${expected === null ? 'impossible to write as one' : `"${expected}"`}`, () => {
    assert.is(andMediaLists(a, b), expected)
  })
}

media.run()
