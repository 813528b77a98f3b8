// Script transforms (issue 13, points 3, 4, 8, 9): new URL(…, import.meta.url), workers,
// Vite's import queries and import.meta.glob, asset URLs relative to the chunk. Every build
// is the real CLI in a temp app; behaviour is proven by running the output: in Node (the
// built entry imported from the artifact directory, so import.meta.url is the chunk's own
// file: URL and every URL must name a file that exists there, also after the directory is
// moved) and in headless Chromium (the same artifact served under /assets/ and /static/).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL, fileURLToPath } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { SourceMapConsumer } from 'source-map-js'
import { loadManifest } from '../dist/runtime/index.js'
import { serveAssets } from '../dist/runtime/serve.js'
import { chromiumAvailable, launchChromium, listen } from './browser-helpers.mjs'
import { assetOf, kiln, manifestOf, project, remove, REPO, write } from './helpers.mjs'

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64')
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4" fill="red"/></svg>'

/** A temp app ("type": "module", so Node runs the artifact as ES modules) built by the CLI. */
async function built(files, args = []) {
  const dir = project({ 'package.json': '{ "type": "module" }\n', ...files })
  const r = await kiln(['build', '--no-compress', ...args], { cwd: dir })
  return { dir, r, m: r.code === 0 ? manifestOf(dir) : null }
}

const out = (dir, file = '') => path.join(dir, 'public/assets', file)
const read = (dir, file) => fs.readFileSync(out(dir, file), 'utf8')

/** Imports a built entry from the artifact directory `base` (default: where it was written). */
async function run(dir, m, name, base = out(dir)) {
  return import(`${pathToFileURL(path.join(base, m.assets[name])).href}?v=${Math.random()}`)
}

/** The artifact file a file: URL from the running output names, or a failure naming it. */
function fileOf(href, base) {
  const p = fileURLToPath(href)
  assert.ok(p.startsWith(base + path.sep), `${href} is inside the artifact directory ${base}`)
  assert.ok(fs.existsSync(p), `${href} names a file that exists`)
  return path.relative(base, p).split(path.sep).join('/')
}

function failed(r, ...patterns) {
  assert.is(r.code, 1, r.stdout + r.stderr)
  for (const p of patterns) assert.match(r.stderr, p)
}

// ---------------------------------------------------------------------------------------------
const urls = suite('new URL(…, import.meta.url)')

urls('should name the fingerprinted file, relative to the entry and to a lazy chunk, wherever the directory moves', async () => {
  const { dir, r, m } = await built({
    'assets/app.ts': "export const here = new URL('./images/dot.png', import.meta.url).href\nexport const later = () => import('./lib/lazy').then((l) => l.there)\n",
    'assets/lib/lazy.ts': "export const there: string = new URL('../images/dot.png', import.meta.url).href\n",
    'assets/images/dot.png': PNG,
  })
  try {
    assert.is(r.code, 0, r.stderr)
    const png = m.assets['images/dot.png']
    const lazy = assetOf(m, 'app.ts').dynamicImports[0]
    assert.ok(read(dir, lazy).includes('"../images/'), 'the lazy chunk in chunks/ has its own relative path')
    for (const base of [out(dir), path.join(dir, 'moved/static')]) {
      if (base !== out(dir)) fs.cpSync(out(dir), base, { recursive: true })
      const mod = await run(dir, m, 'app.ts', base)
      assert.is(fileOf(mod.here, base), png)
      assert.is(fileOf(await mod.later(), base), png)
    }
  } finally {
    remove(dir)
  }
})

urls('should see import.meta in every script the build reads: listed, in a dot directory, outside the root, after plain ones', async () => {
  // Kiln reads the listed scripts for import.meta before esbuild starts and has esbuild call back only for those and for
  // scripts the walk of the root never listed: each of these must still be rewritten.
  const { dir, r, m } = await built({
    'assets/app.ts': "export { a } from './lib/plain'\nexport { b } from './.hidden/b'\nexport { c } from '../shared/c'\nexport const d = new URL('./images/dot.png', import.meta.url).href\n",
    'assets/lib/plain.ts': "export { a } from './deeper'\n",
    'assets/lib/deeper.ts': "export const a: string = new URL('../images/dot.png', import.meta.url).href\n",
    'assets/.hidden/b.ts': "export const b: string = new URL('../images/dot.png', import.meta.url).href\n",
    'shared/c.ts': "export const c: string = new URL('../assets/images/dot.png', import.meta.url).href\n",
    'assets/images/dot.png': PNG,
  })
  try {
    assert.is(r.code, 0, r.stderr)
    const mod = await run(dir, m, 'app.ts')
    for (const k of ['a', 'b', 'c', 'd']) assert.is(fileOf(mod[k], out(dir)), m.assets['images/dot.png'], k)
  } finally {
    remove(dir)
  }
})

urls('should leave look-alikes in strings and comments, and data:/http:/#fragment URLs, as written', async () => {
  const { dir, r, m } = await built({
    'assets/app.ts': [
      "// new URL('./gone.png', import.meta.url)",
      "export const text = \"new URL('./nope.png', import.meta.url)\"",
      "/* new Worker(new URL('./nope.ts', import.meta.url)) and import.meta.glob('./nope/*') */",
      "export const data = new URL('data:text/plain,hi', import.meta.url).href",
      "export const remote = new URL('https://example.com/x.png', import.meta.url).href",
      "export const real = new URL('./dot.png', import.meta.url).href",
    ].join('\n') + '\n',
    'assets/dot.png': PNG,
  })
  try {
    assert.is(r.code, 0, r.stderr)
    assert.is(r.stderr, '')
    const mod = await run(dir, m, 'app.ts')
    assert.is(mod.text, "new URL('./nope.png', import.meta.url)")
    assert.is(mod.data, 'data:text/plain,hi')
    assert.is(mod.remote, 'https://example.com/x.png')
    assert.is(fileOf(mod.real, out(dir)), m.assets['dot.png'])
  } finally {
    remove(dir)
  }
})

urls('should be an error at file:line:col for a computed path, a missing file and a script', async () => {
  const cases = [
    ["const name = './dot.png'\nexport const u = new URL(name, import.meta.url)\n", /assets\/app\.ts:2:26: ERROR: new URL\(…, import\.meta\.url\) with a computed path/, /import\.meta\.glob/],
    ["const name = 'dot'\nexport const u = new URL(`images/${name}.png`, import.meta.url)\n", /assets\/app\.ts:2:26: ERROR: new URL\(`…\$\{…\}…`, import\.meta\.url\): Kiln can list the files of a template only when it starts with \.\/ or \.\.\//],
    ["export const u = new URL('./dto.png', import.meta.url)\n", /assets\/app\.ts:1:26: ERROR: Could not resolve "\.\/dto\.png"/, /did you mean "\.\/dot\.png"\?/],
    ["export const u = new URL('./lib.ts', import.meta.url)\n", /assets\/app\.ts:1:26: ERROR: .*lib\.ts is a script/, /new Worker/],
  ]
  for (const [source, ...patterns] of cases) {
    const { dir, r } = await built({ 'assets/app.ts': source, 'assets/dot.png': PNG, 'assets/lib.ts': 'export {}\n' })
    try {
      failed(r, ...patterns)
    } finally {
      remove(dir)
    }
  }
})

urls('should look a template path up among the files its pattern matches, as Vite does', async () => {
  const { dir, r, m } = await built({
    'assets/app.ts': "export const flag = (name: string): string => new URL(`./flags/${name}.svg`, import.meta.url).href\n",
    'assets/flags/fr.svg': SVG,
    'assets/flags/de.svg': SVG.replace('red', 'black'),
    'assets/flags/notes.txt': 'not an svg',
  })
  try {
    assert.is(r.code, 0, r.stderr)
    const mod = await run(dir, m, 'app.ts')
    assert.is(fileOf(mod.flag('fr'), out(dir)), m.assets['flags/fr.svg'])
    assert.is(fileOf(mod.flag('de'), out(dir)), m.assets['flags/de.svg'])
  } finally {
    remove(dir)
  }
})

urls('should warn, not fail, for a computed path inside a package, and fail with --strict', async () => {
  const files = {
    'assets/app.ts': "import { where } from 'vendor'\nconsole.log(where('x.wasm'))\n",
    'node_modules/vendor/package.json': '{ "name": "vendor", "type": "module", "main": "index.js" }',
    'node_modules/vendor/index.js': 'export function where(file) {\n  return new URL(file, import.meta.url).href\n}\n',
  }
  const { dir, r } = await built(files)
  try {
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stderr, /node_modules\/vendor\/index\.js:2:18: WARNING: new URL\(…, import\.meta\.url\) with a computed path.*\(left as written\)/)
    const strict = await kiln(['build', '--no-compress', '--strict'], { cwd: dir })
    failed(strict, /node_modules\/vendor\/index\.js:2:18/)
  } finally {
    remove(dir)
  }
})

// ---------------------------------------------------------------------------------------------
const workers = suite('workers')

const WORKER_APP = {
  'assets/app.ts': [
    "export const modular = new Worker(new URL('./workers/echo.ts', import.meta.url), { type: 'module' })",
    "export const classic = new Worker(new URL('./workers/classic.ts', import.meta.url))",
    "export const shared = new SharedWorker(new URL('./workers/shared.ts', import.meta.url), { type: 'module', name: 'shared' })",
  ].join('\n') + '\n',
  'assets/workers/echo.ts': "import { twice } from '../lib/twice'\n\nself.onmessage = (e: MessageEvent<number>) => {\n  self.postMessage({ probe: 'echo-probe', value: twice(e.data), icon: new URL('../dot.png', import.meta.url).href })\n}\n",
  'assets/workers/classic.ts': "import { twice } from '../lib/twice'\nself.onmessage = (e: MessageEvent<number>) => self.postMessage({ value: twice(e.data), icon: new URL('../dot.png', import.meta.url).href })\n",
  'assets/workers/shared.ts': "declare const self: SharedWorkerGlobalScope\nself.onconnect = (e: MessageEvent) => {\n  const port = e.ports[0]!\n  port.onmessage = (m: MessageEvent<number>) => port.postMessage({ value: m.data + 1 })\n}\n",
  'assets/lib/twice.ts': 'export const twice = (n: number): number => n * 2\n',
  'assets/dot.png': PNG,
}

workers('should bundle each worker on its own, fingerprinted, under the entry\'s dynamicImports', async () => {
  const { dir, r, m } = await built(WORKER_APP)
  try {
    assert.is(r.code, 0, r.stderr)
    const dynamic = assetOf(m, 'app.ts').dynamicImports ?? []
    const find = (name) => dynamic.find((f) => new RegExp(`^chunks/${name}-[A-Z2-7]{8}\\.js$`).test(f))
    for (const name of ['echo', 'classic', 'shared']) {
      assert.ok(find(name), `${name} is in dynamicImports: ${dynamic}`)
      assert.ok(m.files[find(name)], `${find(name)} is in files`)
    }
    const entry = read(dir, m.assets['app.ts'])
    for (const name of ['echo', 'classic', 'shared']) assert.ok(entry.includes(`new URL("${find(name)}",import.meta.url)`), `the entry starts ${find(name)}`)
    const classic = read(dir, find('classic'))
    assert.not.match(classic, /^\s*(import|export)\b/m, 'a classic worker is one script, no ES module syntax')
    assert.ok(classic.includes('self.location.href'), "a classic worker's import.meta.url is its own location")
    assert.not.ok(read(dir, find('echo')).includes('document'), 'nothing of the page is in the worker')
  } finally {
    remove(dir)
  }
})

workers("should map a probe in a minified worker back to the worker's source line", async () => {
  const { dir, r, m } = await built(WORKER_APP)
  try {
    assert.is(r.code, 0, r.stderr)
    const file = assetOf(m, 'app.ts').dynamicImports.find((f) => f.includes('/echo-'))
    const js = read(dir, file)
    const at = js.indexOf('"echo-probe"')
    assert.ok(at > 0)
    const before = js.slice(0, at).split('\n')
    const map = JSON.parse(read(dir, `${file}.map`))
    const pos = new SourceMapConsumer(map).originalPositionFor({ line: before.length, column: before.at(-1).length })
    assert.match(pos.source, /assets\/workers\/echo\.ts$/)
    assert.is(pos.line, 4)
  } finally {
    remove(dir)
  }
})

workers('should rebuild the worker, and the entry that names it, when only the worker changes', async () => {
  const { dir, r, m } = await built(WORKER_APP)
  try {
    assert.is(r.code, 0, r.stderr)
    write(dir, { 'assets/lib/twice.ts': 'export const twice = (n: number): number => n + n\n' })
    const again = await kiln(['build', '--no-compress'], { cwd: dir })
    assert.is(again.code, 0, again.stderr)
    const m2 = manifestOf(dir)
    assert.is.not(m2.assets['app.ts'], m.assets['app.ts'], 'the entry names the new worker file')
    const echo = assetOf(m2, 'app.ts').dynamicImports.find((f) => f.includes('/echo-'))
    assert.ok(read(dir, echo).includes('+'), 'the worker has the edit')
  } finally {
    remove(dir)
  }
})

workers('should be an error at file:line:col for unreadable options, a computed path and a worker that starts itself', async () => {
  const cases = [
    ["const o = { type: 'module' as const }\nnew Worker(new URL('./w.ts', import.meta.url), o)\n", /assets\/app\.ts:2:48: ERROR: new Worker\(…\): Kiln cannot read the options/],
    ["const f = './w.ts'\nnew Worker(new URL(f, import.meta.url), { type: 'module' })\n", /assets\/app\.ts:2:20: ERROR: new Worker\(new URL\(…, import\.meta\.url\)\) with a computed path/],
    ["new Worker(new URL('./app.ts', import.meta.url), { type: 'module' })\n", /assets\/app\.ts:1:20: ERROR: new Worker\(…\) starts assets\/app\.ts from inside its own bundle/],
    ["new Worker(new URL('./w.ts', import.meta.url), { type: 'module' })\n", /assets\/w\.ts:1:8: ERROR: Could not resolve "\.\/nope"/, /the worker referenced here/],
  ]
  for (const [source, ...patterns] of cases) {
    const w = patterns.some((p) => /nope/.test(String(p))) ? "import './nope'\n" : 'self.postMessage(1)\n'
    const { dir, r } = await built({ 'assets/app.ts': source, 'assets/w.ts': w })
    try {
      failed(r, ...patterns)
    } finally {
      remove(dir)
    }
  }
})

workers('should keep an entry its own output when it is also started as a worker', async () => {
  const { dir, r, m } = await built({
    'assets/app.ts': "new Worker(new URL('./solo.ts', import.meta.url), { type: 'module' })\n",
    'assets/solo.ts': "self.postMessage('solo')\n",
  })
  try {
    assert.is(r.code, 0, r.stderr)
    assert.match(m.assets['solo.ts'], /^solo-[A-Z2-7]{8}\.js$/)
    assert.match(assetOf(m, 'app.ts').dynamicImports[0], /^chunks\/solo-[A-Z2-7]{8}\.js$/)
  } finally {
    remove(dir)
  }
})

// ---------------------------------------------------------------------------------------------
const queries = suite('import queries')

const QUERY_APP = {
  'assets/app.ts': [
    "import badge from './images/badge.svg?url'",
    "import notes from './notes.txt?raw'",
    "import theme from './styles/theme.css?inline'",
    "import themeUrl from './styles/theme.css?url'",
    "import icon from './images/badge.svg?inline'",
    "import script from './vendor/worklet.js?url'",
    'export { badge, notes, theme, themeUrl, icon, script }',
  ].join('\n') + '\n',
  'assets/images/badge.svg': SVG,
  'assets/images/dot.png': PNG,
  'assets/notes.txt': 'Line one,\n"line" two.\n',
  'assets/styles/theme.css': '@import "./base.css";\n.theme { background: url(../images/dot.png) }\n',
  'assets/styles/base.css': '.base { color: red }\n',
  'assets/vendor/worklet.js': 'registerPaint("x", class {})\n',
}

queries('should give ?url the fingerprinted URL, ?raw the text, ?inline the CSS or a data: URL', async () => {
  const { dir, r, m } = await built(QUERY_APP)
  try {
    assert.is(r.code, 0, r.stderr)
    const base = path.join(dir, 'elsewhere/static')
    fs.cpSync(out(dir), base, { recursive: true })
    const mod = await run(dir, m, 'app.ts', base)
    assert.is(fileOf(mod.badge, base), m.assets['images/badge.svg'])
    assert.is(mod.notes, 'Line one,\n"line" two.\n')
    // ?inline CSS: compiled (@import bundled, minified), its url() absolute from the chunk at run time.
    assert.ok(mod.theme.includes('.base{color:red}'), mod.theme)
    const inCss = /url\(([^)]+)\)/.exec(mod.theme)[1]
    assert.is(fileOf(inCss, base), m.assets['images/dot.png'])
    assert.is(mod.icon, `data:image/svg+xml;base64,${Buffer.from(SVG).toString('base64')}`)
    // ?url of a stylesheet: the compiled file, its url()s relative to it.
    const css = fileOf(mod.themeUrl, base)
    assert.match(css, /^chunks\/theme-[A-Z2-7]{8}\.css$/)
    assert.ok(m.files[css], 'the compiled stylesheet is in files')
    const text = fs.readFileSync(path.join(base, css), 'utf8')
    assert.ok(text.includes('.base{color:red}') && text.includes(`url(../${m.assets['images/dot.png']})`), text)
    assert.is(fs.readFileSync(fileURLToPath(mod.script), 'utf8'), QUERY_APP['assets/vendor/worklet.js'], 'plain JS by ?url is the file as written')
  } finally {
    remove(dir)
  }
})

queries('should rebuild when a file read with ?raw changes', async () => {
  const { dir, r, m } = await built(QUERY_APP)
  try {
    assert.is(r.code, 0, r.stderr)
    write(dir, { 'assets/notes.txt': 'Edited.\n' })
    const again = await kiln(['build', '--no-compress'], { cwd: dir })
    assert.is(again.code, 0, again.stderr)
    const m2 = manifestOf(dir)
    assert.is.not(m2.assets['app.ts'], m.assets['app.ts'])
    assert.is((await run(dir, m2, 'app.ts')).notes, 'Edited.\n')
  } finally {
    remove(dir)
  }
})

queries('should be an error at the import for any other query, and for ?url of TypeScript', async () => {
  const cases = [
    ["import notes from './notes.txt?sanitize'\nconsole.log(notes)\n", /assets\/app\.ts:1:19: ERROR: Unsupported import query "\?sanitize" in "\.\/notes\.txt\?sanitize"/, /Kiln supports \?url/],
    ["import u from './lib.ts?url'\nconsole.log(u)\n", /assets\/app\.ts:1:15: ERROR: "\.\/lib\.ts\?url": a URL to TypeScript or JSX would serve its source/],
    ["import u from './nots.txt?raw'\nconsole.log(u)\n", /assets\/app\.ts:1:15: ERROR: Could not resolve "\.\/nots\.txt\?raw"/, /did you mean "\.\/notes\.txt"\?/],
  ]
  for (const [source, ...patterns] of cases) {
    const { dir, r } = await built({ 'assets/app.ts': source, 'assets/notes.txt': 'x\n', 'assets/lib.ts': 'export {}\n' })
    try {
      failed(r, ...patterns)
    } finally {
      remove(dir)
    }
  }
})

queries('should import a file whose name contains "?" as that file', async () => {
  const { dir, r, m } = await built({ 'assets/app.ts': "import u from './what?.svg'\nexport { u }\n", 'assets/what?.svg': SVG })
  try {
    assert.is(r.code, 0, r.stderr)
    assert.is(fileOf((await run(dir, m, 'app.ts')).u, out(dir)), m.assets['what?.svg'])
  } finally {
    remove(dir)
  }
})

// ---------------------------------------------------------------------------------------------
const globs = suite('import.meta.glob')

const GLOB_APP = {
  'assets/app.ts': [
    "export const lazy = import.meta.glob<{ title: string }>('./pages/*.ts')",
    "export const titles = import.meta.glob<string>(['./pages/*.ts', '!./pages/draft.ts'], { import: 'title' })",
    "export const eager = import.meta.glob('./data/*.json', { eager: true, import: 'default' })",
    "export const docs = import.meta.glob('./docs/*.md', { eager: true, query: '?raw', import: 'default' })",
    "export const urls = import.meta.glob('/images/*', { eager: true, query: { url: true }, import: 'default' })",
    "export const mods = import.meta.glob('./*.ts', { eager: true })",
  ].join('\n') + '\n',
  'assets/helper.ts': "export const name = 'helper'\n",
  'assets/pages/home.ts': "export const title = 'Home'\n",
  'assets/pages/about.ts': "export const title = 'About'\n",
  'assets/pages/draft.ts': "export const title = 'Draft'\n",
  'assets/data/a.json': '{ "n": 1 }',
  'assets/data/b.json': '{ "n": 2 }',
  'assets/docs/one.md': '# One\n',
  'assets/images/dot.png': PNG,
}

globs('should list lazy modules, eager values, an export and a query, keyed and sorted like Vite', async () => {
  const { dir, r, m } = await built(GLOB_APP)
  try {
    assert.is(r.code, 0, r.stderr)
    const mod = await run(dir, m, 'app.ts')
    assert.equal(Object.keys(mod.lazy), ['./pages/about.ts', './pages/draft.ts', './pages/home.ts'])
    assert.is((await mod.lazy['./pages/home.ts']()).title, 'Home')
    assert.equal(Object.keys(mod.titles), ['./pages/about.ts', './pages/home.ts'], 'negative patterns exclude')
    assert.is(await mod.titles['./pages/about.ts'](), 'About')
    assert.equal(mod.eager, { './data/a.json': { n: 1 }, './data/b.json': { n: 2 } })
    assert.equal(mod.docs, { './docs/one.md': '# One\n' })
    assert.equal(Object.keys(mod.urls), ['/images/dot.png'], '/ patterns are from the source root')
    assert.is(fileOf(mod.urls['/images/dot.png'], out(dir)), m.assets['images/dot.png'])
    assert.equal(Object.keys(mod.mods), ['./helper.ts'], 'the importer is not in its own glob')
    assert.is(mod.mods['./helper.ts'].name, 'helper')
    assert.ok((assetOf(m, 'app.ts').dynamicImports ?? []).length >= 3, 'each lazy module is a chunk')
  } finally {
    remove(dir)
  }
})

globs('should pick up a file added to a globbed directory on the next build', async () => {
  const { dir, r } = await built(GLOB_APP)
  try {
    assert.is(r.code, 0, r.stderr)
    write(dir, { 'assets/pages/contact.ts': "export const title = 'Contact'\n" })
    const again = await kiln(['build', '--no-compress'], { cwd: dir })
    assert.is(again.code, 0, again.stderr)
    const m2 = manifestOf(dir)
    assert.ok(Object.keys((await run(dir, m2, 'app.ts')).lazy).includes('./pages/contact.ts'))
  } finally {
    remove(dir)
  }
})

globs('should be an error at file:line:col for arguments it cannot read, unknown options and queries', async () => {
  const cases = [
    ["const dir = 'pages'\nexport const g = import.meta.glob(`./${dir}/*.ts`)\n", /assets\/app\.ts:2:35: ERROR: import\.meta\.glob\(\): Kiln needs the patterns as string literals/],
    ["export const g = import.meta.glob('./pages/*.ts', { eagr: true })\n", /assets\/app\.ts:1:53: ERROR: import\.meta\.glob\(\): unknown option "eagr"/],
    ["export const g = import.meta.glob('./pages/*.ts', { as: 'raw' })\n", /assets\/app\.ts:1:53: ERROR: import\.meta\.glob\(\): the "as" option was removed/],
    ["export const g = import.meta.glob('./pages/*.ts', { query: '?sanitize' })\n", /assets\/app\.ts:1:51: ERROR: import\.meta\.glob\(\): unsupported query "\?sanitize"/],
    ["export const g = import.meta.glob('pages/*.ts')\n", /assets\/app\.ts:1:35: ERROR: import\.meta\.glob\("pages\/\*\.ts"\): a pattern starts with/],
    ["export const g = import.meta.globEager('./pages/*.ts')\n", /assets\/app\.ts:1:18: ERROR: import\.meta\.globEager was removed/],
  ]
  for (const [source, ...patterns] of cases) {
    const { dir, r } = await built({ 'assets/app.ts': source, 'assets/pages/a.ts': 'export {}\n' })
    try {
      failed(r, ...patterns)
    } finally {
      remove(dir)
    }
  }
})

// ---------------------------------------------------------------------------------------------
const types = suite('kiln-assets/client for queries, workers and import.meta.glob')

types('should type import.meta.glob lazy and eager, and ?worker as a constructor', () => {
  const dir = project({
    'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, noEmit: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler', types: [], allowImportingTsExtensions: true }, include: ['*.ts', 'client.d.ts'] }),
    'client.d.ts': fs.readFileSync(path.join(REPO, 'client.d.ts')),
    'app.ts': [
      "import Echo from './echo.ts?worker'",
      "import echoUrl from './echo.ts?worker&url'",
      "const worker: Worker = new Echo({ name: 'echo' })",
      "const lazy: Record<string, () => Promise<{ title: string }>> = import.meta.glob<{ title: string }>('./pages/*.ts')",
      "const eager: Record<string, number> = import.meta.glob<number>('./data/*.json', { eager: true, import: 'default' })",
      "const raw: Record<string, () => Promise<string>> = import.meta.glob<string>('./docs/*.md', { query: '?raw', import: 'default' })",
      'export { worker, echoUrl, lazy, eager, raw }',
    ].join('\n') + '\n',
  })
  try {
    const tsc = path.join(REPO, 'node_modules/.bin/tsc')
    const ok = spawnSync(tsc, ['-p', dir, '--pretty', 'false'], { cwd: dir, encoding: 'utf8' })
    assert.is(ok.status, 0, ok.stdout + ok.stderr)
    write(dir, { 'wrong.ts': "export const bad: Record<string, number> = import.meta.glob<number>('./data/*.json')\n" })
    const bad = spawnSync(tsc, ['-p', dir, '--pretty', 'false'], { cwd: dir, encoding: 'utf8' })
    assert.match(bad.stdout, /^wrong\.ts\(1,14\): error TS2322/m, 'a lazy glob is not its values')
  } finally {
    remove(dir)
  }
})

// ---------------------------------------------------------------------------------------------
const browser = suite('one artifact under any prefix, in headless Chromium')

const PAGE_APP = {
  'assets/app.ts': [
    "import logo from './images/logo.svg'",
    "import notes from './notes.txt?raw'",
    "import css from './styles/inline.css?inline'",
    "import ClassicByQuery from './workers/classic.ts?worker'",
    "const probe: Record<string, unknown> = {}",
    "const img = (id: string, src: string) => { const i = document.createElement('img'); i.id = id; i.src = src; document.body.append(i) }",
    "img('imported', logo)",
    "img('by-url', new URL('./images/photo.png', import.meta.url).href)",
    "const style = document.createElement('style'); style.textContent = css; document.head.append(style)",
    "const box = document.createElement('div'); box.className = 'box'; document.body.append(box)",
    "const pages = import.meta.glob<{ default: string }>('./pages/*.ts')",
    "const worker = new Worker(new URL('./workers/echo.ts', import.meta.url), { type: 'module' })",
    "const classic = new Worker(new URL('./workers/classic.ts', import.meta.url))",
    "const answer = (w: Worker) => new Promise((resolve) => { w.onmessage = (e) => resolve(e.data); w.postMessage(21) })",
    "Promise.all([answer(worker), answer(classic), pages['./pages/one.ts']!(), import('./lib/lazy').then((l) => l.show()), answer(new ClassicByQuery())])",
    "  .then(([a, b, page, , c]) => Object.assign(probe, { module: a, classic: b, page: page.default, notes, query: c, done: true }))",
    ";(window as any).__probe = probe",
  ].join('\n') + '\n',
  'assets/lib/lazy.ts': "import logo from '../images/logo.svg'\nexport function show(): void {\n  const i = document.createElement('img'); i.id = 'from-chunk'; i.src = logo; document.body.append(i)\n}\n",
  'assets/pages/one.ts': "export default 'page one'\n",
  'assets/workers/echo.ts': "self.onmessage = async (e: MessageEvent<number>) => {\n  const r = await fetch(new URL('../images/photo.png', import.meta.url))\n  self.postMessage({ value: e.data * 2, fetched: r.status })\n}\n",
  'assets/workers/classic.ts': "self.onmessage = async (e: MessageEvent<number>) => {\n  const r = await fetch(new URL('../images/photo.png', import.meta.url))\n  self.postMessage({ value: e.data + 1, fetched: r.status })\n}\n",
  'assets/styles/inline.css': '.box { width: 10px; height: 10px; background-image: url(../images/photo.png) }\n',
  'assets/images/logo.svg': SVG,
  'assets/images/photo.png': PNG,
  'assets/notes.txt': 'raw text\n',
}

browser('should run the same artifact served under /assets/ and /static/: images, workers (also ?worker), queries, glob, a lazy chunk', async () => {
  if (!chromiumAvailable()) return
  const { dir, r } = await built(PAGE_APP)
  const chromium = await launchChromium()
  try {
    assert.is(r.code, 0, r.stderr)
    for (const prefix of ['/assets/', '/static/']) {
      const assets = loadManifest(path.join(out(dir), 'manifest.json'), { env: {}, publicPath: prefix })
      const serve = serveAssets({ assets, prefix, env: {} })
      const html = `<!doctype html><html><head>${assets.tags('app.ts')}</head><body></body></html>`
      const server = await listen((req, res) => serve(req, res, () => (req.url === '/' ? res.writeHead(200, { 'content-type': 'text/html' }).end(html) : res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end())))
      const context = await chromium.newContext()
      try {
        const page = await context.newPage()
        const problems = []
        const seen = []
        page.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
        page.on('pageerror', (e) => problems.push(e.message))
        page.on('requestfailed', (q) => problems.push(`failed ${q.url()}`))
        page.on('response', (q) => (q.status() >= 400 ? problems.push(`${q.status()} ${q.url()}`) : seen.push(new URL(q.url()).pathname)))
        await page.goto(`${server.origin}/`)
        await page.waitForFunction(() => window.__probe?.done, null, { timeout: 10_000 })
        await page.waitForFunction(() => [...document.images].every((i) => i.complete) && document.images.length === 3)
        const got = await page.evaluate(() => ({
          probe: window.__probe,
          images: [...document.images].map((i) => [i.id, i.naturalWidth]),
          background: getComputedStyle(document.querySelector('.box')).backgroundImage,
        }))
        assert.equal(problems, [], `under ${prefix}`)
        assert.equal(got.probe.module, { value: 42, fetched: 200 })
        assert.equal(got.probe.classic, { value: 22, fetched: 200 })
        assert.equal(got.probe.query, { value: 22, fetched: 200 }, '?worker gives a constructor of the bundled worker')
        assert.is(got.probe.page, 'page one')
        assert.is(got.probe.notes, 'raw text\n')
        for (const [id, width] of got.images) assert.ok(width > 0, `#${id} loaded under ${prefix}`)
        assert.match(got.background, new RegExp(`url\\("${server.origin}${prefix}images/photo-[A-Z2-7]{8}\\.png"\\)`))
        assert.ok(seen.every((p) => p === '/' || p.startsWith(prefix)), `every asset came from ${prefix}: ${seen}`)
        assert.ok(seen.some((p) => /\/chunks\/echo-/.test(p)) && seen.some((p) => /\/chunks\/classic-/.test(p)), 'both workers were fetched')
      } finally {
        await context.close()
        await server.close()
      }
    }
  } finally {
    await chromium.close()
    remove(dir)
  }
})

urls.run()
workers.run()
queries.run()
globs.run()
types.run()
browser.run()
