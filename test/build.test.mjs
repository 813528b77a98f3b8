// The build pipeline through the programmatic API: what is an entry, a partial or a static
// file; the chunk graph in the manifest; imports of static files; compile errors.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { build, KilnError } from '../dist/index.js'
import { assetEntries, assetOf, kiln, project, remove, sampleApp, write } from './helpers.mjs'

const run = (cwd, options = {}) => build({ cwd, env: {}, ...options })
const read = (dir, file) => fs.readFileSync(path.join(dir, 'public/assets', file), 'utf8')

const kinds = suite('entries, partials and static files')

kinds('should emit root-level JS/TS/CSS as entries, partials only through them, and copy every other file', async () => {
  const dir = sampleApp({ 'assets/.secret': 'x', 'assets/node_modules/pkg/index.js': 'x', 'assets/data/info.json': '{"a":1}', 'assets/lib/types.d.ts': 'export type A = 1' })
  try {
    const r = await run(dir)
    const names = Object.keys(r.manifestData.assets).sort()
    assert.equal(names, ['admin.ts', 'app.ts', 'data/info.json', 'images/dot.png', 'images/logo.svg', 'robots.txt', 'site.css'])
    const files = Object.keys(r.manifestData.files)
    assert.not.ok(files.some((f) => f.includes('shared') || f.includes('partials') || f.includes('secret') || f.includes('node_modules')), files.join())
    assert.ok(fs.existsSync(path.join(dir, 'public/assets', r.manifestData.assets['robots.txt'])))
  } finally {
    remove(dir)
  }
})

kinds('should replace the default entries with the configured globs', async () => {
  const dir = sampleApp({ 'assets/pages/home.ts': 'console.log(1)\n', 'assets/pages/about.tsx': 'console.log(2)\n' })
  try {
    const r = await run(dir, { entries: ['pages/*.{ts,tsx}', 'site.css'] })
    const entries = assetEntries(r.manifestData).filter(([, a]) => a.type !== 'image/png' && a.type !== 'image/svg+xml' && a.type !== 'text/plain')
    assert.equal(entries.map(([n]) => n).sort(), ['pages/about.tsx', 'pages/home.ts', 'site.css'])
    assert.match(r.manifestData.assets['pages/home.ts'], /^pages\/home-[A-Z2-7]{8}\.js$/)
  } finally {
    remove(dir)
  }
})

kinds('should warn about an entry pattern that matches nothing', async () => {
  const dir = sampleApp()
  try {
    const r = await run(dir, { entries: ['app.ts', 'nothing/*.ts'] })
    assert.ok(r.warnings.some((w) => w.text === 'Entry pattern "nothing/*.ts" matched no files'))
  } finally {
    remove(dir)
  }
})

kinds('should build names with spaces and non-ASCII characters', async () => {
  const dir = project({ 'assets/my app.ts': "import u from './img/café logo.svg'\nconsole.log(u)\n", 'assets/img/café logo.svg': '<svg/>', 'assets/ünï.css': '.a{background:url("img/café logo.svg")}' })
  try {
    const r = await run(dir)
    const svg = r.manifestData.assets['img/café logo.svg']
    assert.match(svg, /^img\/café logo-[A-Z2-7]{8}\.svg$/)
    assert.ok(read(dir, r.manifestData.assets['my app.ts']).includes(`new URL("${encodeURIComponent('img')}/${encodeURIComponent(path.basename(svg))}",import.meta.url)`))
    assert.ok(read(dir, r.manifestData.assets['ünï.css']).includes(`url(img/${encodeURIComponent(path.basename(svg))})`))
  } finally {
    remove(dir)
  }
})

kinds('should refuse two entries that would write the same output name', async () => {
  const dir = project({ 'assets/app.ts': 'console.log(1)', 'assets/app.js': 'console.log(2)' })
  try {
    const err = await run(dir).catch((e) => e)
    assert.instance(err, KilnError)
    assert.is(err.errors[0].text, 'app.js and app.ts would both be written as app.js')
  } finally {
    remove(dir)
  }
})

kinds('should refuse a symlink that points outside the root', async () => {
  const dir = sampleApp({ 'outside/secret.txt': 'secret' })
  try {
    fs.symlinkSync(path.join(dir, 'outside/secret.txt'), path.join(dir, 'assets/leak.txt'))
    const err = await run(dir).catch((e) => e)
    assert.instance(err, KilnError)
    assert.match(err.errors[0].text, /^leak\.txt is a symbolic link to .*outside\/secret\.txt, outside the source root$/)
    assert.is(err.errors[0].location.file, 'assets/leak.txt')
  } finally {
    remove(dir)
  }
})

kinds('should follow a symlink that stays inside the root', async () => {
  const dir = sampleApp()
  try {
    fs.symlinkSync(path.join(dir, 'assets/images'), path.join(dir, 'assets/pictures'))
    const r = await run(dir)
    assert.is(assetOf(r.manifestData, 'pictures/logo.svg').integrity, assetOf(r.manifestData, 'images/logo.svg').integrity)
  } finally {
    remove(dir)
  }
})

kinds('should say when the root does not exist', async () => {
  const dir = project({})
  try {
    const err = await run(dir).catch((e) => e)
    assert.instance(err, KilnError)
    assert.is(err.errors[0].text, 'Source directory not found: assets')
  } finally {
    remove(dir)
  }
})

kinds.run()

const graph = suite('JS chunks, lazy imports and CSS in the manifest')

graph('should record shared chunks, dynamic imports and CSS imported from JS', async () => {
  const dir = sampleApp()
  try {
    const { manifestData: m } = await run(dir)
    const app = assetOf(m, 'app.ts')
    const admin = assetOf(m, 'admin.ts')
    assert.match(app.file, /^app-[A-Z2-7]{8}\.js$/)
    assert.is(app.type, 'text/javascript')
    assert.ok(app.imports.length >= 1)
    assert.equal(app.imports, admin.imports, 'both entries import the same shared chunk')
    assert.is(app.dynamicImports.length, 1)
    assert.match(app.dynamicImports[0], /^chunks\/lazy-[A-Z2-7]{8}\.js$/)
    assert.is(app.css.length, 1)
    assert.match(app.css[0], /^app-[A-Z2-7]{8}\.css$/)
    assert.is(admin.css, undefined)
    for (const f of [app.file, ...app.imports, ...app.dynamicImports, ...app.css, app.map]) assert.ok(m.files[f], `${f} is in files`)
    const js = read(dir, app.file)
    assert.ok(js.includes(`./${app.imports[0]}`), 'chunk imports are relative, so any host or prefix works')
    assert.ok(js.includes(app.dynamicImports[0]))
  } finally {
    remove(dir)
  }
})

graph('should turn an imported static file into its fingerprinted URL relative to the chunk, whatever the public path', async () => {
  const dir = sampleApp({ 'assets/app.ts': "import logo from './images/logo.svg'\nexport default logo\n" })
  try {
    const { manifestData: m } = await run(dir, { publicPath: '/static' })
    const js = read(dir, m.assets['app.ts'])
    assert.ok(js.includes(`new URL("${m.assets['images/logo.svg']}",import.meta.url).href`), js)
    assert.not.ok(js.includes('/static/'), 'the public path is chosen at run time, not written into scripts')
    assert.is(Object.keys(m.files).filter((f) => f.endsWith('.svg')).length, 1, 'the svg is written once')
  } finally {
    remove(dir)
  }
})

graph('should point url()s in JS-imported CSS at the same fingerprinted files, and autoprefix it', async () => {
  const dir = sampleApp({ 'assets/lib/app.css': '.app { user-select: none; background: url(../images/dot.png) }\n', 'package.json': '{"browserslist": ["safari 12"]}' })
  try {
    const { manifestData: m } = await run(dir)
    const css = read(dir, assetOf(m, 'app.ts').css[0])
    // Relative to the written stylesheet (as in CSS entries), so the artifact works under any prefix.
    assert.ok(css.includes(`url(${m.assets['images/dot.png']})`), css)
    assert.ok(css.includes('-webkit-user-select:none'), css)
    assert.is(Object.keys(m.files).filter((f) => f.endsWith('.png')).length, 1)
  } finally {
    remove(dir)
  }
})

graph('should compile for the browserslist targets', async () => {
  const code = 'export const f = (a?: { b: number }) => a?.b ?? 0\n'
  const modern = project({ 'assets/app.ts': code, 'package.json': '{"browserslist": ["chrome 120"]}' })
  const old = project({ 'assets/app.ts': code, '.browserslistrc': 'chrome 60\n' })
  try {
    const a = read(modern, (await run(modern)).manifestData.assets['app.ts'])
    const b = read(old, (await run(old)).manifestData.assets['app.ts'])
    assert.ok(a.includes('?.'), a)
    assert.not.ok(b.includes('?.'), b)
  } finally {
    remove(modern)
    remove(old)
  }
})

graph('should reject an invalid browserslist query', async () => {
  const dir = sampleApp({ '.browserslistrc': 'chrome > banana\n' })
  try {
    const err = await run(dir).catch((e) => e)
    assert.instance(err, KilnError)
    assert.match(err.errors[0].text, /^Invalid browserslist: /)
    assert.is(err.errors[0].location.file, '.browserslistrc')
  } finally {
    remove(dir)
  }
})

graph.run()

const errors = suite('compile errors')

errors('should report a TS syntax error with file, line and column', async () => {
  const dir = sampleApp({ 'assets/lib/shared.ts': 'export function greet(name: string) {\n  return name +\n}\n' })
  try {
    const err = await run(dir).catch((e) => e)
    assert.instance(err, KilnError)
    const e = err.errors[0]
    assert.equal([e.location.file, e.location.line, e.location.column], ['assets/lib/shared.ts', 3, 0])
    assert.match(err.message, /^Build failed with 1 error:\nassets\/lib\/shared\.ts:3:1: ERROR: Unexpected "}"/)
  } finally {
    remove(dir)
  }
})

errors('should report an import of a missing module', async () => {
  const dir = sampleApp({ 'assets/admin.ts': "import './nope'\n" })
  try {
    const err = await run(dir).catch((e) => e)
    assert.match(err.message, 'assets/admin.ts:1:8: ERROR: Could not resolve "./nope"')
  } finally {
    remove(dir)
  }
})

errors('should collect errors from JS and CSS in one failure', async () => {
  const dir = sampleApp({ 'assets/admin.ts': 'export const = 1\n', 'assets/site.css': '.a { color: red\n' })
  try {
    const err = await run(dir).catch((e) => e)
    assert.is(err.errors.length, 2)
    assert.match(err.message, /^Build failed with 2 errors:/)
  } finally {
    remove(dir)
  }
})

errors.run()

const nothing = suite('nothing to build')

nothing('should fail with "no entries" and a hint when the root holds nothing to build', async () => {
  const dir = project({ 'assets/.gitkeep': '', 'package.json': '{"name":"app"}' })
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, 'No entries under assets: nothing to build')
    assert.match(r.stderr, 'hint: ')
    assert.match(r.stderr, '--root')
    assert.not.ok(fs.existsSync(path.join(dir, 'public')), 'no empty public/assets left behind')
    write(dir, { 'assets/lib/app.ts': 'export {}\n' })
    const globs = await kiln(['build', '--entry', 'pages/*.ts'], { cwd: dir })
    assert.is(globs.code, 1)
    assert.match(globs.stderr, 'matches entries ["pages/*.ts"]')
  } finally {
    remove(dir)
  }
})

nothing('should leave no artifact directory behind when a first build fails', async () => {
  const dir = sampleApp({ 'assets/app.ts': 'export const = 1\n' })
  try {
    const r = await kiln(['build', '--out', 'dist/a/b'], { cwd: dir })
    assert.is(r.code, 1)
    assert.not.ok(fs.existsSync(path.join(dir, 'dist')), 'every directory the build created is gone')
    const again = await kiln(['build'], { cwd: dir })
    assert.is(again.code, 1)
    assert.not.ok(fs.existsSync(path.join(dir, 'public')))
  } finally {
    remove(dir)
  }
})

nothing.run()

const timings = suite('per-step timings')

timings('should report each step its own time, not the time since the build started', async () => {
  const dir = sampleApp()
  try {
    const r = await kiln(['build', '--json', '--no-compress'], { cwd: dir })
    const t = JSON.parse(r.stdout).steps.timings
    for (const step of ['config', 'discover', 'static files', 'compile', 'compress', 'write', 'manifest', 'cache']) assert.type(t[step], 'number', step)
    // Cumulative marks would make the manifest (the last step) at least as long as the compile before it.
    assert.ok(t.manifest < t.compile, JSON.stringify(t))
  } finally {
    remove(dir)
  }
})

timings.run()
