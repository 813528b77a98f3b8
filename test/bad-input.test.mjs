// The bad-input catalogue. Each case starts from a good build; the inputs that must fail
// give exit 1, a message (file:line:col where there is one) and leave that build intact;
// the inputs that must build, build, and resolve through the runtime and the server.
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { assetOf, kiln, manifestOf, remove, sampleApp, tree, write } from './helpers.mjs'
import { loadManifest } from '../dist/runtime/index.js'
import { serveAssets } from '../dist/runtime/serve.js'

const OUT = 'public/assets'

// [name, change(dir), message (string or RegExp) on stderr]
const FAILING = [
  ['a JS syntax error', (d) => write(d, { 'assets/admin.ts': 'console.log(1\n' }), /assets\/admin\.ts:2:0|assets\/admin\.ts:\d+:\d+: ERROR: Expected "\)" but found end of file/],
  ['a TS syntax error', (d) => write(d, { 'assets/lib/shared.ts': 'export function greet(name: string): string {\n  let x: = 1\n  return name\n}\n' }), /^assets\/lib\/shared\.ts:2:10: ERROR: /m],
  ['an import of a missing module', (d) => write(d, { 'assets/admin.ts': "import { x } from './missing'\nconsole.log(x)\n" }), 'assets/admin.ts:1:19: ERROR: Could not resolve "./missing"'],
  ['a CSS syntax error', (d) => write(d, { 'assets/partials/base.css': 'body {\n  color: red;\n  margin: 0\n' }), 'assets/partials/base.css:1:1: ERROR: CSS syntax error: Unclosed block'],
  ['an unclosed comment', (d) => write(d, { 'assets/site.css': '.a { color: red }\n/* never closed\n' }), 'assets/site.css:2:1: ERROR: CSS syntax error: Unclosed comment'],
  ['a circular @import', (d) => write(d, { 'assets/partials/base.css': '@import "../site.css";\n' }), /assets\/partials\/base\.css:1:1: ERROR: Circular @import: assets\/site\.css → assets\/partials\/base\.css → assets\/site\.css/],
  ['an @import of a missing file', (d) => write(d, { 'assets/site.css': '@import "./nope.css";\n' }), 'assets/site.css:1:1: ERROR: Cannot find "./nope.css" imported by @import'],
  ['a url() to a directory', (d) => write(d, { 'assets/site.css': '.a {\n  background: url(images);\n}\n' }), 'assets/site.css:2:19: ERROR: url(images) points at a directory'],
  ['two sources with one output name', (d) => write(d, { 'assets/app.js': 'console.log(1)\n' }), 'ERROR: app.js and app.ts would both be written as app.js'],
  ['non-UTF-8 CSS', (d) => write(d, { 'assets/site.css': Buffer.concat([Buffer.from('.a {\n  content: "caf'), Buffer.from([0xe9]), Buffer.from('";\n}\n')]) }), 'assets/site.css:2:16: ERROR: assets/site.css is not valid UTF-8 (byte 0xE9)'],
  ['a CRLF file with an error (the line is right)', (d) => write(d, { 'assets/site.css': '.a {\r\n  color: red;\r\n}\r\n.b {\r\n  color: blue;\r\n' }), 'assets/site.css:4:1: ERROR: CSS syntax error: Unclosed block'],
  ['a symbolic link loop', (d) => fs.symlinkSync('..', path.join(d, 'assets/images/up')), 'assets/images/up:1:1: ERROR: assets/images/up is a symbolic link loop (it leads back to assets)'],
  ['a symbolic link escaping the root', (d) => (write(d, { 'secret.txt': 'x' }), fs.symlinkSync(path.join(d, 'secret.txt'), path.join(d, 'assets/leak.txt'))), /assets\/leak\.txt:1:1: ERROR: leak\.txt is a symbolic link to .*secret\.txt, outside the source root/],
  ['a missing root', (d) => fs.renameSync(path.join(d, 'assets'), path.join(d, 'elsewhere')), 'ERROR: Source directory not found: assets'],
  ['a config with a wrong type', (d) => write(d, { 'kiln.config.json': '{ "minify": "yes" }' }), 'kiln.config.json:1:3: ERROR: Option "minify" in kiln.config.json must be true or false, got "yes"'],
  ['a config with an unknown key', (d) => write(d, { 'kiln.config.json': '{ "mnify": false }' }), /kiln\.config\.json:1:3: ERROR: Unknown option "mnify" in kiln\.config\.json\n    \{ "mnify": false \}\n      \^\n  hint: did you mean "minify"\?/],
  ['a config file that throws', (d) => write(d, { 'kiln.config.mjs': "\nthrow new Error('no config for you')\n" }), /kiln\.config\.mjs:2:\d+: ERROR: Config file failed to load: no config for you/],
  ['an invalid browserslist query', (d) => write(d, { '.browserslistrc': 'chrome >> 5\n' }), /\.browserslistrc:1:1: ERROR: Invalid browserslist: /],
  // Paths that cannot name a file (issue 14, point 16): each a file:line:col error with a hint, never an internal error.
  ['a %00 in a url()', (d) => write(d, { 'assets/site.css': '.a {\n  background: url(images/a%00.png);\n}\n' }),
    /assets\/site\.css:2:19: ERROR: url\(images\/a%00\.png\) holds a NUL byte \(%00\), which no file name can\n[^]*hint: remove the %00/],
  ['a %00 in an @import', (d) => write(d, { 'assets/site.css': '@import "./a%00.css";\n' }), /assets\/site\.css:1:1: ERROR: @import "\.\/a%00\.css" holds a NUL byte[^]*hint: /],
  ['an @import through a file (ENOTDIR)', (d) => write(d, { 'assets/site.css': '@import "./robots.txt/x.css";\n' }), /assets\/site\.css:1:1: ERROR: Cannot find "\.\/robots\.txt\/x\.css" imported by @import[^]*hint: /],
  ['an @import of a name too long (ENAMETOOLONG)', (d) => write(d, { 'assets/site.css': `@import "./${'n'.repeat(300)}.css";\n` }), /assets\/site\.css:1:1: ERROR: Cannot find "\.\/n+\.css" imported by @import[^]*hint: /],
  ['an import through a file (ENOTDIR)', (d) => write(d, { 'assets/admin.ts': "import x from './robots.txt/x.png'\nconsole.log(x)\n" }),
    /^Build failed with 1 error:\nassets\/admin\.ts:1:15: ERROR: Could not resolve "\.\/robots\.txt\/x\.png"[^]*hint: "robots\.txt" is a file, not a directory/],
  ['an import through a symbolic link loop (ELOOP)', (d) => (fs.symlinkSync('loop', path.join(d, 'loop')), write(d, { 'assets/admin.ts': "import x from '../loop/x.png'\nconsole.log(x)\n" })),
    /^Build failed with 1 error:\nassets\/admin\.ts:1:15: ERROR: Could not resolve "\.\.\/loop\/x\.png"[^]*hint: "\.\.\/loop" is a symbolic link loop/],
  ['a new URL() of a name too long (ENAMETOOLONG)', (d) => write(d, { 'assets/admin.ts': `console.log(new URL('./${'n'.repeat(300)}.png', import.meta.url))\n` }), /^assets\/admin\.ts:1:\d+: ERROR: /m],
  ['an @import chain 300 stylesheets deep', (d) => write(d, Object.fromEntries([['assets/site.css', '@import "./chain/c0.css";\n'],
    ...Array.from({ length: 300 }, (_, i) => [`assets/chain/c${i}.css`, i < 299 ? `@import "./c${i + 1}.css";\n.c${i} { color: red }\n` : '.end { color: red }\n'])])),
    /assets\/chain\/c198\.css:1:1: ERROR: @import chain more than 200 stylesheets deep, from assets\/site\.css\n[^]*hint: flatten it/],
  ['blocks nested 5,000 deep', (d) => write(d, { 'assets/site.css': `.a {\n${'& .b { '.repeat(5000)}color: red${' }'.repeat(5000)}\n}\n` }), /assets\/site\.css:2:\d+: ERROR: Blocks nested more than 256 deep\n[^]*hint: flatten the nesting/],
  ['a source whose name is too long for its fingerprint', (d) => write(d, { [`assets/images/${'n'.repeat(240)}.png`]: 'x' }), /assets\/images\/n+\.png:1:1: ERROR: The name of assets\/images\/n+\.png is 244 bytes long[^]*hint: /],
  ['an output directory under a file (ENOTDIR)', (d) => write(d, { 'kiln.config.json': '{ "out": "assets/robots.txt/out" }' }), /ERROR: Cannot use assets\/robots\.txt\/out as the output directory: assets\/robots\.txt is a file\n  hint: /],
  ['a root through a symbolic link loop (ELOOP)', (d) => (fs.symlinkSync('rl', path.join(d, 'rl')), write(d, { 'kiln.config.json': '{ "root": "rl/assets" }' })),
    /ERROR: Cannot use rl\/assets as the source root: a symbolic link on the way to it is a loop\n  hint: /],
]

const failing = suite('bad input that must fail')

for (const [name, change, expected] of FAILING) {
  failing(`should reject ${name} with exit 1, a clear message and the previous build intact`, async () => {
    const dir = sampleApp()
    try {
      assert.is((await kiln(['build', '--quiet'], { cwd: dir })).code, 0)
      const before = tree(path.join(dir, OUT))
      change(dir)
      const r = await kiln(['build'], { cwd: dir })
      assert.is(r.code, 1, r.stderr)
      assert.match(r.stderr, /^Build failed with \d+ errors?:\n/)
      assert.match(r.stderr, expected)
      assert.not.match(r.stderr, /internal error|\n\s+at \S.*:\d+:\d+\)?$/m)
      assert.equal(tree(path.join(dir, OUT)), before, 'the previous build is intact')
    } finally {
      remove(dir)
    }
  })
}

failing.run()

const building = suite('odd input that must build')

async function fetchFrom(outDir, urlPath) {
  const server = http.createServer(serveAssets({ dir: outDir, env: {} }))
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  try {
    const res = await fetch(`http://127.0.0.1:${server.address().port}${urlPath}`)
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()) }
  } finally {
    server.close()
  }
}

building('should build and serve names with spaces, #, ?, % and non-ASCII characters', async () => {
  const name = 'images/a b#c?d%e é.svg'
  const dir = sampleApp({ [`assets/${name}`]: '<svg xmlns="http://www.w3.org/2000/svg"/>', 'assets/odd.css': `.x { background: url("${encodeURI('images/a b').replace(/%20/g, '%20')}%23c%3Fd%25e%20%C3%A9.svg") }\n` })
  try {
    const r = await kiln(['build', '--strict'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    const assets = loadManifest(path.join(dir, OUT, 'manifest.json'), { env: {} })
    const url = assets.url(name)
    assert.match(url, /^\/assets\/images\/a%20b%23c%3Fd%25e%20%C3%A9-[A-Z2-7]{8}\.svg$/)
    const got = await fetchFrom(path.join(dir, OUT), url)
    assert.is(got.status, 200)
    assert.ok(got.body.equals(fs.readFileSync(path.join(dir, 'assets', name))))
    const css = fs.readFileSync(path.join(dir, OUT, manifestOf(dir).assets['odd.css']), 'utf8')
    assert.ok(css.includes(url.replace('/assets/', '')), css)
  } finally {
    remove(dir)
  }
})

building('should build a file whose name already looks fingerprinted, with a warning', async () => {
  const dir = sampleApp({ 'assets/images/logo-ABCDEFGH.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>' })
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 0)
    assert.match(r.stderr, 'WARNING: images/logo-ABCDEFGH.svg already looks fingerprinted; it will be fingerprinted again')
    assert.match(manifestOf(dir).assets['images/logo-ABCDEFGH.svg'], /^images\/logo-ABCDEFGH-[A-Z2-7]{8}\.svg$/)
  } finally {
    remove(dir)
  }
})

building('should strip a BOM, keep CRLF sources working, and build empty and zero-byte files', async () => {
  const BOM = '\ufeff'
  const dir = sampleApp({
    'assets/site.css': `${BOM}@import "./partials/base.css";\r\n.logo {\r\n  background: url("images/logo.svg");\r\n}\r\n`,
    'assets/admin.ts': `${BOM}import { greet } from './lib/shared'\r\nconsole.log(greet('admin'))\r\n`,
    'assets/empty.css': '',
    'assets/blank.css': '\n\n  \n',
    'assets/zero.ts': '',
    'assets/zero.txt': '',
  })
  try {
    const r = await kiln(['build', '--strict'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    const m = manifestOf(dir)
    const css = fs.readFileSync(path.join(dir, OUT, m.assets['site.css']))
    assert.not.ok(css.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), 'no BOM in the output')
    assert.ok(css.includes(m.assets['images/logo.svg']))
    for (const n of ['empty.css', 'blank.css', 'zero.ts', 'zero.txt']) assert.ok(m.assets[n], n)
    assert.is(assetOf(m, 'zero.txt').size, 0)
    assert.is((await kiln(['verify'], { cwd: dir })).code, 0)
  } finally {
    remove(dir)
  }
})

building('should build a very deep tree', async () => {
  const deep = `assets/${Array.from({ length: 60 }, (_, i) => `d${i}`).join('/')}/deep.txt`
  const dir = sampleApp({ [deep]: 'down here' })
  try {
    assert.is((await kiln(['build'], { cwd: dir })).code, 0)
    assert.ok(manifestOf(dir).assets[deep.slice('assets/'.length)])
  } finally {
    remove(dir)
  }
})

building.run()
