// Stylesheets as real front-end apps write them (issue 12): the project's PostCSS config
// (Tailwind v3 and v4 from the npm registry, local plugins), PostCSS dependencies as cache
// and watch inputs, CSS Modules, url()s in CSS imported from JS under any prefix, source
// maps, and nothing Kiln cannot build passing silently. Sass and Less: preprocessors.test.mjs.
import { execFileSync, spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import valueParser from 'postcss-value-parser'
import { SourceMapConsumer } from 'source-map-js'
import { assetOf, kiln, manifestOf, project, remove, sri, write, REPO } from './helpers.mjs'

const OUT = 'public/assets'
const read = (dir, file) => fs.readFileSync(path.join(dir, OUT, file), 'utf8')
/** Builds with the CLI; the cache stays in the app (node_modules may be a shared, linked directory). */
const build = (dir, args = []) => kiln(['build', '--no-compress', '--cache-dir', '.kiln-cache', ...args], { cwd: dir })
const ok = (r) => assert.is(r.code, 0, r.stderr)
/** The stylesheets a JS entry needs, concatenated. */
const cssOfEntry = (dir, name) => assetOf(manifestOf(dir), name).css.map((f) => read(dir, f)).join('\n')

/**
 * Real packages from the registry, installed once into a directory shared by the runs on
 * this machine (keyed by the package specs), and linked into each app as node_modules.
 */
function installed(deps) {
  const key = crypto.createHash('sha256').update(JSON.stringify([deps, process.versions.node.split('.')[0]])).digest('hex').slice(0, 12)
  const dir = path.join(os.tmpdir(), 'kiln-test-npm', key)
  const done = path.join(dir, 'node_modules', '.kiln-test-installed')
  if (fs.existsSync(done)) return path.join(dir, 'node_modules')
  const temp = `${dir}.${process.pid}.tmp`
  fs.rmSync(temp, { recursive: true, force: true })
  fs.mkdirSync(temp, { recursive: true })
  fs.writeFileSync(path.join(temp, 'package.json'), JSON.stringify({ private: true, dependencies: deps }))
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], { cwd: temp, stdio: ['ignore', 'ignore', 'inherit'] })
  fs.writeFileSync(path.join(temp, 'node_modules', '.kiln-test-installed'), '')
  try {
    fs.renameSync(temp, dir)
  } catch {
    // another run installed it first
    fs.rmSync(temp, { recursive: true, force: true })
  }
  return path.join(dir, 'node_modules')
}

function app(files, nodeModules) {
  const dir = project({ 'package.json': '{"name":"app","private":true}', '.gitignore': 'public/\n.kiln-cache/\n', ...files })
  if (nodeModules) fs.symlinkSync(nodeModules, path.join(dir, 'node_modules'))
  return dir
}

// No JSX: the test is about Tailwind reading the file, not about a JSX runtime being installed.
const TSX = (classes) => `import './app.css'\nexport const Card = (): { className: string } => ({ className: "${classes}" })\n`

// ---------------------------------------------------------------------------------------

const v3 = suite('PostCSS config: Tailwind v3')

v3('should run tailwindcss from postcss.config.js with tailwind.config.js, in a CSS entry and in CSS imported from JS', async () => {
  const dir = app({
    'postcss.config.js': 'module.exports = { plugins: { tailwindcss: {} } }\n',
    'tailwind.config.js': 'module.exports = { content: ["./assets/**/*.{ts,tsx}"], theme: { extend: { colors: { brand: "#123456" } } }, plugins: [] }\n',
    'assets/site.css': '@tailwind base;\n@tailwind components;\n@tailwind utilities;\n.btn { @apply px-4 font-bold; }\n',
    'assets/app.tsx': TSX('flex text-brand underline'),
    'assets/app.css': '@tailwind utilities;\n',
  }, installed({ tailwindcss: '^3.4.0', postcss: '^8.4.0' }))
  try {
    const r = await build(dir, ['--strict'])
    ok(r)
    const m = manifestOf(dir)
    const site = read(dir, m.assets['site.css'])
    const fromJs = cssOfEntry(dir, 'app.tsx')
    for (const css of [site, fromJs]) {
      assert.match(css, '.flex{display:flex}')
      assert.match(css, /\.text-brand\{[^}]*18 52 86/)
      assert.match(css, '.underline{')
      assert.not.match(css, '@tailwind')
    }
    assert.match(site, '.btn{padding-left:1rem;padding-right:1rem;font-weight:700}')
    assert.match(site, 'box-sizing:border-box', 'preflight')
    assert.not.match(site, '.italic', 'only the classes used')
  } finally {
    remove(dir)
  }
})

v3.run()

const v4 = suite('PostCSS config: Tailwind v4')

v4('should run @tailwindcss/postcss from postcss.config.mjs on @import "tailwindcss", in a CSS entry and in CSS imported from JS', async () => {
  const dir = app({
    'postcss.config.mjs': 'export default { plugins: { "@tailwindcss/postcss": {} } }\n',
    'assets/site.css': '@import "tailwindcss";\n@theme { --color-brand: #123456; }\n.card { @apply p-4 rounded; background: url(./img/dot.png) }\n',
    'assets/img/dot.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 1]),
    'assets/app.tsx': TSX('flex text-brand underline'),
    'assets/app.css': '@import "tailwindcss";\n@theme { --color-brand: #123456; }\n',
  }, installed({ tailwindcss: '^4.1.0', '@tailwindcss/postcss': '^4.1.0' }))
  try {
    const r = await build(dir, ['--strict'])
    ok(r)
    const m = manifestOf(dir)
    const site = read(dir, m.assets['site.css'])
    const fromJs = cssOfEntry(dir, 'app.tsx')
    for (const css of [site, fromJs]) {
      assert.match(css, '.flex{display:flex}')
      assert.match(css, '.text-brand{color:var(--color-brand)}')
      assert.match(css, /--color-brand: ?#123456/)
      assert.not.match(css, '@tailwind')
      assert.not.match(css, '@import')
    }
    assert.match(site, /\.card\{[^}]*padding:calc\(var\(--spacing\) \* 4\)/)
    assert.match(site, `url(${m.assets['img/dot.png']})`, 'Kiln rewrites url()s after Tailwind')
  } finally {
    remove(dir)
  }
})

v4.run()

// ---------------------------------------------------------------------------------------

const deps = suite('PostCSS dependency messages as compile inputs')

const tw4App = (extra = {}) => app({
  'postcss.config.mjs': 'export default { plugins: { "@tailwindcss/postcss": {} } }\n',
  'assets/site.css': '@import "tailwindcss";\n',
  'assets/app.tsx': TSX('flex'),
  'assets/app.css': '@import "tailwindcss";\n',
  ...extra,
}, installed({ tailwindcss: '^4.1.0', '@tailwindcss/postcss': '^4.1.0' }))

deps('should rebuild the CSS of an entry and of a JS import when a class is added to a .tsx, and skip the compile when nothing changed', async () => {
  const dir = tw4App({ 'views/page.html': '<p class="italic">server template outside the root</p>\n' })
  try {
    ok(await build(dir))
    let m = manifestOf(dir)
    assert.not.match(read(dir, m.assets['site.css']), '.underline{')
    assert.match(read(dir, m.assets['site.css']), '.italic{', 'Tailwind scanned views/')
    const same = JSON.parse((await build(dir, ['--json'])).stdout)
    assert.is(same.steps.compile, 'skipped')
    write(dir, { 'assets/app.tsx': TSX('flex underline') })
    const again = JSON.parse((await build(dir, ['--json'])).stdout)
    assert.ok(again.steps.compile.includes('style:site.css'), JSON.stringify(again.steps.compile))
    m = manifestOf(dir)
    assert.match(read(dir, m.assets['site.css']), '.underline{')
    assert.match(cssOfEntry(dir, 'app.tsx'), '.underline{')
    // A file outside the root that only Tailwind read.
    write(dir, { 'views/page.html': '<p class="italic line-through">x</p>\n' })
    const views = JSON.parse((await build(dir, ['--json'])).stdout)
    assert.ok(views.steps.compile.includes('style:site.css'), JSON.stringify(views.steps.compile))
    assert.match(read(dir, manifestOf(dir).assets['site.css']), '.line-through{')
  } finally {
    remove(dir)
  }
})

deps('should rebuild the CSS in kiln watch when a class is added to a .tsx, and when a template outside the root changes', async () => {
  const dir = tw4App({ 'views/page.html': '<p class="italic">x</p>\n' })
  const child = spawn(process.execPath, [path.join(REPO, 'bin/kiln.js'), 'watch', '--no-compress', '--cache-dir', '.kiln-cache'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  const until = async (what, test) => {
    for (let i = 0; i < 300; i++) {
      try {
        if (test()) return
      } catch {
        // the manifest is not there yet
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    assert.unreachable(`${what}; watch said:\n${output}`)
  }
  const siteCss = () => read(dir, manifestOf(dir).assets['site.css'])
  try {
    await until('first build', () => siteCss().includes('.flex{'))
    write(dir, { 'assets/app.tsx': TSX('flex underline') })
    await until('rebuild after the .tsx changed', () => siteCss().includes('.underline{') && cssOfEntry(dir, 'app.tsx').includes('.underline{'))
    write(dir, { 'views/page.html': '<p class="italic line-through">x</p>\n' })
    await until('rebuild after views/page.html changed', () => siteCss().includes('.line-through{'))
  } finally {
    child.kill('SIGINT')
    await new Promise((r) => child.on('close', r))
    remove(dir)
  }
})

deps.run()

// ---------------------------------------------------------------------------------------

const order = suite('PostCSS config: order of the user\'s plugins and Kiln\'s steps')

/** A plugin that records what it sees as custom properties of a `.probe` rule (strings are never rewritten). */
const PROBE = `module.exports = (opts = {}) => ({
  postcssPlugin: 'probe',
  Once(root, { result }) {
    let partial = false, url = '', prefixed = false, imports = 0
    root.walkRules((r) => { if (r.selector === '.from-partial') partial = true; if (r.selector.includes('-webkit-')) prefixed = true })
    root.walkAtRules('import', () => { imports++ })
    root.walkDecls((d) => { if (d.value.includes('url(')) url = d.value; if (d.prop.startsWith('-webkit-')) prefixed = true })
    root.append({ selector: '.probe', nodes: [
      { prop: '--saw-partial', value: String(partial) }, { prop: '--saw-imports', value: String(imports) },
      { prop: '--saw-url', value: JSON.stringify(url) }, { prop: '--saw-prefixed', value: String(prefixed) },
      { prop: '--option', value: String(opts.flavour ?? 'none') },
    ] })
  },
})
module.exports.postcss = true
`

order('should run the user\'s plugins after Kiln\'s @import inlining and before url() rewriting and autoprefixer (postcss.config.cjs, plugin options)', async () => {
  const dir = app({
    'probe-plugin.cjs': PROBE,
    'postcss.config.cjs': 'module.exports = { plugins: { "./probe-plugin.cjs": { flavour: "mint" } } }\n',
    'package.json': '{"name":"app","private":true,"browserslist":["safari 12"]}',
    'assets/site.css': '@import "./partials/base.css";\n.a { background: url(img/dot.png) }\n.a:fullscreen { color: red }\n',
    'assets/partials/base.css': '.from-partial { color: red }\n',
    'assets/img/dot.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 2]),
  })
  try {
    ok(await build(dir, ['--no-minify']))
    const m = manifestOf(dir)
    const css = read(dir, m.assets['site.css'])
    assert.match(css, '--saw-partial: true', css)
    assert.match(css, '--saw-imports: 0')
    assert.match(css, '--saw-url: "url(img/dot.png)"', 'the url() as written')
    assert.match(css, '--saw-prefixed: false')
    assert.match(css, '--option: mint')
    assert.match(css, ':-webkit-full-screen', 'autoprefixer still runs, after the user\'s plugins')
    assert.match(css, `url(${m.assets['img/dot.png']})`)
  } finally {
    remove(dir)
  }
})

order('should let a user plugin that inlines @import (postcss-import) see the @import, and read package.json#postcss', async () => {
  // A stand-in named postcss-import: Kiln recognises plugins that inline @import by name.
  const dir = app({
    'import-plugin.cjs': PROBE.replace("postcssPlugin: 'probe'", "postcssPlugin: 'postcss-import'"),
    'package.json': JSON.stringify({ name: 'app', private: true, postcss: { plugins: { './import-plugin.cjs': {} } } }),
    'assets/site.css': '@import "./partials/base.css";\n.a { color: blue }\n',
    'assets/partials/base.css': '.from-partial { color: red }\n',
  })
  try {
    ok(await build(dir, ['--no-minify']))
    const css = read(dir, manifestOf(dir).assets['site.css'])
    assert.match(css, '--saw-imports: 1', css)
    assert.match(css, '--saw-partial: false')
    assert.match(css, '.from-partial', 'Kiln inlines what the plugin left')
  } finally {
    remove(dir)
  }
})

order('should run the user\'s plugins on CSS imported from JS, including files in node_modules, without adding autoprefixer twice', async () => {
  const dir = app({
    'probe-plugin.cjs': PROBE,
    'postcss.config.mjs': 'import probe from "./probe-plugin.cjs"\nimport autoprefixer from "autoprefixer"\nexport default { plugins: [probe({ flavour: "js" }), autoprefixer({ overrideBrowserslist: ["chrome 130"] })] }\n',
    'package.json': '{"name":"app","private":true,"browserslist":["safari 12"]}',
    'assets/app.ts': "import './app.css'\n",
    'assets/app.css': '.a:fullscreen { color: red }\n',
  })
  try {
    fs.mkdirSync(path.join(dir, 'node_modules'))
    fs.symlinkSync(path.join(REPO, 'node_modules/autoprefixer'), path.join(dir, 'node_modules/autoprefixer'))
    ok(await build(dir, ['--no-minify']))
    const css = cssOfEntry(dir, 'app.ts')
    assert.match(css, '--option: js', css)
    assert.not.match(css, ':-webkit-full-screen', 'the user\'s autoprefixer (chrome 130) replaces Kiln\'s (safari 12)')
  } finally {
    remove(dir)
  }
})

order.run()

// ---------------------------------------------------------------------------------------

const failing = suite('PostCSS config: failures are errors with a location')

failing('should report a plugin that throws with its name and file:line:col, and exit 1', async () => {
  const dir = app({
    'no-red.cjs': "module.exports = () => ({ postcssPlugin: 'no-red', Declaration(d) { if (d.value === 'red') throw d.error('red is not allowed') } })\nmodule.exports.postcss = true\n",
    'boom.cjs': "module.exports = () => ({ postcssPlugin: 'boom', Once() { throw new Error('the plugin exploded') } })\nmodule.exports.postcss = true\n",
    'postcss.config.cjs': 'module.exports = { plugins: [require("./no-red.cjs")] }\n',
    'assets/site.css': '.a {\n  color: blue;\n  color: red;\n}\n',
    'assets/app.ts': "import './other.css'\n",
    'assets/other.css': '.b { color: red }\n',
  })
  try {
    const r = await build(dir)
    assert.is(r.code, 1)
    assert.match(r.stderr, 'assets/site.css:3:3: ERROR: CSS syntax error: red is not allowed (no-red)')
    assert.match(r.stderr, 'assets/other.css:1:6: ERROR: CSS syntax error: red is not allowed (no-red)', 'CSS imported from JS too')
    write(dir, { 'postcss.config.cjs': 'module.exports = { plugins: [require("./boom.cjs")] }\n' })
    const boom = await build(dir)
    assert.is(boom.code, 1)
    assert.match(boom.stderr, 'assets/site.css:1:1: ERROR: PostCSS plugin "boom" failed: the plugin exploded')
    assert.match(boom.stderr, 'postcss.config.cjs')
  } finally {
    remove(dir)
  }
})

failing('should name a config whose plugin package is not installed, with the install command', async () => {
  const dir = app({ 'postcss.config.js': 'module.exports = { plugins: { "postcss-not-installed-anywhere": {} } }\n', 'assets/site.css': '.a { color: red }\n' })
  try {
    const r = await build(dir)
    assert.is(r.code, 1)
    assert.match(r.stderr, 'postcss.config.js:1:1: ERROR: Cannot load the PostCSS config postcss.config.js')
    assert.match(r.stderr, 'npm install -D postcss-not-installed-anywhere')
  } finally {
    remove(dir)
  }
})

failing('should warn on a terminal, without --verbose, when Tailwind syntax reaches the output unprocessed, and fail with --strict', async () => {
  const dir = app({ 'assets/site.css': '@tailwind utilities;\n.btn {\n  @apply px-4;\n}\n' })
  try {
    const r = await build(dir)
    ok(r)
    assert.match(r.stderr, 'assets/site.css:1:1: WARNING: @tailwind is Tailwind CSS syntax, but no PostCSS plugin processed it')
    assert.match(r.stderr, '@tailwindcss/postcss')
    const strict = await build(dir, ['--strict'])
    assert.is(strict.code, 1)
    assert.match(strict.stderr, '@tailwind is Tailwind CSS syntax')
  } finally {
    remove(dir)
  }
})

failing.run()

// ---------------------------------------------------------------------------------------

const modules = suite('CSS Modules')

modules('should give the class-name map as the default export, scope names in the emitted CSS, and honour composes and :global', async () => {
  const dir = app({
    'package.json': '{"name":"app","private":true,"type":"module"}',
    'assets/app.ts': "import styles from './Button.module.css'\nimport other from './Card.module.css'\nexport default { styles, other }\n",
    'assets/Button.module.css': '.base { color: red }\n.primary { composes: base; background: blue }\n:global(.keep-me) { color: green }\n.shared { margin: 0 }\n',
    'assets/Card.module.css': '.shared { padding: 0 }\n',
  })
  try {
    ok(await build(dir, ['--no-minify']))
    const m = manifestOf(dir)
    const { default: exported } = await import(pathToFileURL(path.join(dir, OUT, m.assets['app.ts'])).href)
    const { styles, other } = exported
    assert.equal(Object.keys(styles).sort(), ['base', 'primary', 'shared'])
    const css = cssOfEntry(dir, 'app.ts')
    for (const name of Object.values(styles).flatMap((v) => v.split(' '))) assert.match(css, `.${name} {`, `${name} in\n${css}`)
    const primary = styles.primary.split(' ')
    assert.is(primary.length, 2, 'composes gives both names')
    assert.ok(primary.includes(styles.base))
    assert.is.not(styles.shared, other.shared, 'the same name in two modules is two classes')
    assert.match(css, '.keep-me {', ':global stays as written')
    assert.not.match(css, /(^|[^-\w])\.base \{/m, 'the local name itself is never emitted')
  } finally {
    remove(dir)
  }
})

modules('should run the user\'s PostCSS plugins on a CSS Module first', async () => {
  const dir = app({
    'package.json': '{"name":"app","private":true,"type":"module"}',
    'probe-plugin.cjs': PROBE,
    'postcss.config.cjs': 'module.exports = { plugins: [require("./probe-plugin.cjs")] }\n',
    'assets/app.ts': "import s from './x.module.css'\nexport default s\n",
    'assets/x.module.css': '.title { color: red }\n',
  })
  try {
    ok(await build(dir, ['--no-minify']))
    const { default: s } = await import(pathToFileURL(path.join(dir, OUT, manifestOf(dir).assets['app.ts'])).href)
    assert.ok(s.probe, 'the .probe rule the plugin added is scoped too')
    assert.match(cssOfEntry(dir, 'app.ts'), `.${s.probe} {`)
  } finally {
    remove(dir)
  }
})

modules.run()

// ---------------------------------------------------------------------------------------

const prefixes = suite('url()s in CSS imported from JS under any prefix')

function urlsIn(css) {
  const found = []
  valueParser(css).walk((n) => {
    if (n.type === 'function' && n.value === 'url') found.push(valueParser.stringify(n.nodes).replace(/^["']|["']$/g, ''))
  })
  return found.filter((u) => !/^(data:|#|https?:|\/\/)/.test(u))
}

/** Serves the artifact directory under /assets/ and under /static/, like two deployments of one artifact. */
async function serveTwice(dir) {
  const server = http.createServer((req, res) => {
    const m = /^\/(assets|static)\/(.+)$/.exec(decodeURIComponent(new URL(req.url, 'http://x').pathname))
    const file = m && path.join(dir, OUT, m[2])
    if (!file || !file.startsWith(path.join(dir, OUT)) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.statusCode = 404
      return res.end()
    }
    res.end(fs.readFileSync(file))
  })
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) }
}

prefixes('should write url()s relative to each written stylesheet, so KaTeX fonts from node_modules load under /assets/ and /static/ from one artifact', async () => {
  const dir = app({
    'kiln.config.json': JSON.stringify({ entries: ['app.ts', 'pages/admin.ts'] }),
    'assets/app.ts': "import 'katex/dist/katex.css'\nimport './local.css'\n",
    'assets/local.css': '.logo { background: url(./img/logo.svg#a) }\n.after { color: red }\n',
    'assets/img/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"><g id="a"/></svg>',
    'assets/pages/admin.ts': "import 'katex/dist/katex.css'\nimport '../local.css'\n",
  })
  fs.mkdirSync(path.join(dir, 'node_modules'))
  fs.symlinkSync(path.join(REPO, 'node_modules/katex'), path.join(dir, 'node_modules/katex'))
  const server = await serveTwice(dir)
  try {
    ok(await build(dir, ['--strict']))
    const m = manifestOf(dir)
    const sheets = [...assetOf(m, 'app.ts').css, ...assetOf(m, 'pages/admin.ts').css]
    assert.ok(sheets.some((f) => f.startsWith('pages/')), sheets.join())
    for (const cssFile of sheets) {
      const css = read(dir, cssFile)
      assert.not.match(css, '__kiln_url__')
      assert.not.match(css, /url\(\/assets\//, 'no absolute publicPath URLs')
      const urls = urlsIn(css)
      assert.ok(urls.filter((u) => u.includes('KaTeX_')).length >= 50, `KaTeX fonts in ${cssFile}`)
      assert.ok(urls.some((u) => /logo-[A-Z2-7]{8}\.svg#a$/.test(u)))
      for (const prefix of ['/assets/', '/static/']) {
        const sheetUrl = `${server.base}${prefix}${cssFile}`
        for (const u of new Set(urls)) {
          const target = new URL(u, sheetUrl)
          assert.ok(target.pathname.startsWith(prefix), `${u} from ${sheetUrl} stays under ${prefix}`)
          const res = await fetch(target)
          assert.is(res.status, 200, `${target}`)
          const file = decodeURIComponent(target.pathname.slice(prefix.length))
          assert.ok(m.files[file], `${file} is in the manifest`)
          assert.is(sri(Buffer.from(await res.arrayBuffer())), m.files[file].integrity)
        }
      }
    }
  } finally {
    await server.close()
    remove(dir)
  }
})

prefixes('should keep the stylesheet\'s name a function of its bytes: a changed image renames the CSS imported from JS', async () => {
  const dir = app({
    'assets/app.ts': "import './local.css'\n",
    'assets/local.css': '.logo { background: url(./img/logo.svg) }\n',
    'assets/img/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  })
  try {
    ok(await build(dir))
    const first = assetOf(manifestOf(dir), 'app.ts').css[0]
    ok(await build(dir))
    assert.is(assetOf(manifestOf(dir), 'app.ts').css[0], first, 'same bytes, same name')
    write(dir, { 'assets/img/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>' })
    ok(await build(dir))
    const m = manifestOf(dir)
    assert.is.not(assetOf(m, 'app.ts').css[0], first)
    assert.match(read(dir, assetOf(m, 'app.ts').css[0]), m.assets['img/logo.svg'])
    const name = assetOf(m, 'app.ts').css[0]
    assert.is(sri(fs.readFileSync(path.join(dir, OUT, name))), m.files[name].integrity)
  } finally {
    remove(dir)
  }
})

prefixes.run()

// ---------------------------------------------------------------------------------------

const maps = suite('source maps of stylesheets')

/** Where `probe` in the written stylesheet comes from, by its source map. */
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

maps('should map rules of a CSS entry and of CSS imported from JS back to their files and lines, also after a rewritten url()', async () => {
  const dir = app({
    'assets/site.css': '@import "./partials/base.css";\n\n.site-rule { color: red }\n',
    'assets/partials/base.css': '/* base */\n.base-rule {\n  background: url(../img/dot.png);\n}\n.base-after { color: blue }\n',
    'assets/img/dot.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 3]),
    'assets/app.ts': "import './lib/widget.css'\n",
    'assets/lib/widget.css': '.widget-a {\n  background: url(../img/dot.png);\n}\n\n.widget-b { color: green }\n',
  })
  try {
    ok(await build(dir, ['--css-sourcemap']))
    const m = manifestOf(dir)
    assert.equal(originOf(dir, m.assets['site.css'], '.site-rule'), { source: 'assets/site.css', line: 3 })
    assert.equal(originOf(dir, m.assets['site.css'], '.base-after'), { source: 'assets/partials/base.css', line: 5 })
    const fromJs = assetOf(m, 'app.ts').css[0]
    // After the url() placeholder became a shorter relative path on the same minified line.
    assert.equal(originOf(dir, fromJs, '.widget-b'), { source: 'assets/lib/widget.css', line: 5 })
    assert.equal(originOf(dir, fromJs, '.widget-a'), { source: 'assets/lib/widget.css', line: 1 })
  } finally {
    remove(dir)
  }
})

maps.run()

// ---------------------------------------------------------------------------------------

const cssMaps = suite('CSS source maps only when asked')

cssMaps('should write no .css.map and no sourceMappingURL by default, and both (with the manifest\'s map) with --css-sourcemap, KILN_CSS_SOURCEMAP or cssSourcemap', async () => {
  const dir = app({ 'assets/site.css': '@import "./partials/base.css";\n.site-rule { color: red }\n', 'assets/partials/base.css': '.base-rule { color: blue }\n' })
  try {
    ok(await build(dir))
    let m = manifestOf(dir)
    const plain = assetOf(m, 'site.css')
    assert.not.ok('map' in plain, 'no map in the manifest')
    assert.not.ok(Object.keys(m.files).some((f) => f.endsWith('.css.map')), 'no .css.map listed')
    assert.not.ok(fs.readdirSync(path.join(dir, OUT), { recursive: true }).some((f) => String(f).endsWith('.css.map')), 'no .css.map written')
    assert.not.ok(read(dir, plain.file).includes('sourceMappingURL'), 'no sourceMappingURL comment')
    for (const [how, args, env] of [['flag', ['--css-sourcemap'], {}], ['environment', [], { KILN_CSS_SOURCEMAP: '1' }], ['config', [], {}]]) {
      if (how === 'config') fs.writeFileSync(path.join(dir, 'kiln.config.json'), JSON.stringify({ cssSourcemap: true }))
      const r = await kiln(['build', '--no-compress', '--cache-dir', '.kiln-cache', ...args], { cwd: dir, env })
      assert.is(r.code, 0, r.stderr)
      m = manifestOf(dir)
      const mapped = assetOf(m, 'site.css')
      assert.is(mapped.map, `${mapped.file}.map`, `${how}: the manifest lists the map`)
      assert.ok(m.files[mapped.map], `${how}: the map is a file of the manifest`)
      assert.match(read(dir, mapped.file), `/*# sourceMappingURL=${path.posix.basename(mapped.map)} */`, `${how}: the comment`)
      assert.ok(JSON.parse(read(dir, mapped.map)).sources.some((s) => s.endsWith('partials/base.css')), `${how}: the map points at the partial`)
    }
  } finally {
    remove(dir)
  }
})

cssMaps.run()

// ---------------------------------------------------------------------------------------

const silent = suite('never silent: stylesheets Kiln cannot build')

silent('should fail on a Stylus entry, warn on a Stylus file below the root, and name the file', async () => {
  const dir = app({ 'assets/app.styl': 'body\n  color red\n', 'assets/site.css': '.a{}' })
  try {
    const r = await build(dir)
    assert.is(r.code, 1)
    assert.match(r.stderr, 'assets/app.styl:1:1: ERROR: Kiln cannot build app.styl: Stylus is not supported')
    fs.renameSync(path.join(dir, 'assets/app.styl'), path.join(dir, 'assets/app.txt'))
    write(dir, { 'assets/legacy/old.styl': 'a\n  b c\n' })
    const w = await build(dir)
    ok(w)
    assert.match(w.stderr, 'assets/legacy/old.styl:1:1: WARNING: Kiln cannot build legacy/old.styl: Stylus is not supported')
  } finally {
    remove(dir)
  }
})

silent('should fail on a Stylus file imported from JS, at the import', async () => {
  const dir = app({ 'assets/app.ts': "console.log(1)\nimport './theme.styl'\n", 'assets/lib/x.txt': '', 'kiln.config.json': '{"entries":["app.ts"]}', 'assets/theme.styl': 'a\n  b c\n' })
  try {
    const r = await build(dir)
    assert.is(r.code, 1)
    assert.match(r.stderr, 'assets/app.ts:2:8: ERROR: Kiln cannot build theme.styl: Stylus is not supported')
  } finally {
    remove(dir)
  }
})

silent('should build .pcss and .postcss entries as CSS', async () => {
  const dir = app({ 'assets/a.pcss': '.a { color: red }\n', 'assets/b.postcss': '.b { color: blue }\n' })
  try {
    ok(await build(dir))
    const m = manifestOf(dir)
    assert.match(m.assets['a.pcss'], /^a-[A-Z2-7]{8}\.css$/)
    assert.match(read(dir, m.assets['b.postcss']), '.b{color:#00f}')
  } finally {
    remove(dir)
  }
})

silent.run()
