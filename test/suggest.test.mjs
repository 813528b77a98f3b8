// A reference to a missing file says which existing file was probably meant: CSS url() and
// @import, JS/TS imports of assets, stylesheets and modules; a bare name that is not
// installed says how to install it. Through the real CLI: exit code, file:line:col, hint.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { kiln, project, remove } from './helpers.mjs'

const SVG = '<svg xmlns="http://www.w3.org/2000/svg"/>'

/** A project whose only entries are the given files (plus a few real files to be near). */
function app(files, entries) {
  return project({
    'assets/images/logo.svg': SVG,
    'assets/images/dot.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 1]),
    'assets/lib/utils.ts': 'export const x: number = 1\n',
    'assets/partials/base.css': 'body { margin: 0 }\n',
    'kiln.config.json': JSON.stringify({ entries }),
    ...files,
  })
}

const cssUrl = suite('a CSS url() to a missing file')

cssUrl('should warn with file:line:col and suggest the file with the other extension', async () => {
  const dir = app({ 'assets/site.css': '.a {\n  background: url(images/logo.png);\n}\n' }, ['site.css'])
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stderr, 'assets/site.css:2:19: WARNING: url(images/logo.png) does not resolve to a file')
    assert.match(r.stderr, '  hint: did you mean "images/logo.svg"?')
  } finally {
    remove(dir)
  }
})

cssUrl('should fail with --strict and the same hint, correcting a misspelt directory', async () => {
  const dir = app({ 'assets/site.css': '.a { background: url(imgaes/dot.png) }\n' }, ['site.css'])
  try {
    const r = await kiln(['build', '--strict'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, 'assets/site.css:1:22: ERROR: url(imgaes/dot.png) does not resolve to a file')
    assert.match(r.stderr, '  hint: did you mean "images/dot.png"?')
  } finally {
    remove(dir)
  }
})

cssUrl('should find a file of that name in another directory when the one named has none', async () => {
  const dir = app({ 'assets/site.css': '.a { background: url(logo.svg) }\n' }, ['site.css'])
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.match(r.stderr, 'assets/site.css:1:22: WARNING: url(logo.svg) does not resolve to a file')
    assert.match(r.stderr, '  hint: did you mean "images/logo.svg"?')
  } finally {
    remove(dir)
  }
})

cssUrl('should suggest only a name close enough to be a typo', async () => {
  const dir = app({ 'assets/site.css': '.a { background: url(images/dto.png) }\n.b { background: url(images/background-texture.jpg) }\n' }, ['site.css'])
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.match(r.stderr, 'WARNING: url(images/background-texture.jpg) does not resolve to a file')
    assert.match(r.stderr, '  hint: did you mean "images/dot.png"?')
    assert.is(r.stderr.split('did you mean').length - 1, 1, 'one hint, for the typo only')
  } finally {
    remove(dir)
  }
})

cssUrl.run()

const cssImport = suite('a CSS @import of a missing partial')

cssImport('should fail with file:line:col and suggest the partial, spelt as the @import was', async () => {
  const dir = app({ 'assets/site.css': '@charset "UTF-8";\n@import "./partials/bsae";\n' }, ['site.css'])
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, 'assets/site.css:2:1: ERROR: Cannot find "./partials/bsae" imported by @import')
    assert.match(r.stderr, '  hint: did you mean "./partials/base"?')
  } finally {
    remove(dir)
  }
})

cssImport.run()

const jsImport = suite('a JS/TS import of a missing file')

jsImport('should suggest the asset with the other extension for an import of an image', async () => {
  const dir = app({ 'assets/app.js': "import logo from './images/logo.png'\nconsole.log(logo)\n" }, ['app.js'])
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, 'assets/app.js:1:18: ERROR: Could not resolve "./images/logo.png"')
    assert.match(r.stderr, '  hint: did you mean "./images/logo.svg"?')
    assert.not.match(r.stderr, 'external', "esbuild's note names an option Kiln does not have")
  } finally {
    remove(dir)
  }
})

jsImport('should suggest a module without its extension for a TS import without one', async () => {
  const dir = app({ 'assets/app.ts': "import { x } from './lib/utlis'\nconsole.log(x)\n" }, ['app.ts'])
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, 'assets/app.ts:1:19: ERROR: Could not resolve "./lib/utlis"')
    assert.match(r.stderr, '  hint: did you mean "./lib/utils"?')
  } finally {
    remove(dir)
  }
})

jsImport('should suggest the stylesheet for an import of a missing one', async () => {
  const dir = app({ 'assets/app.ts': "import './partials/bases.css'\n" }, ['app.ts'])
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, 'assets/app.ts:1:8: ERROR: Could not resolve "./partials/bases.css"')
    assert.match(r.stderr, '  hint: did you mean "./partials/base.css"?')
  } finally {
    remove(dir)
  }
})

jsImport('should ask whether a bare package name is installed', async () => {
  const dir = app({ 'assets/app.ts': "import 'left-pad-nowhere/sub'\n" }, ['app.ts'])
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, 'assets/app.ts:1:8: ERROR: Could not resolve "left-pad-nowhere/sub"')
    assert.match(r.stderr, '  hint: is "left-pad-nowhere" installed? (npm install left-pad-nowhere)')
  } finally {
    remove(dir)
  }
})

jsImport.run()
