// Scripts as real front-end apps write them (issue 13, points 1, 2, 5, 6, 7, 9): JSX with the
// automatic runtime (React 19, Preact from the npm registry), the build mode and
// process.env.NODE_ENV, import.meta.env and .env files, define, root files that are modules,
// ESM sources in a "type": "commonjs" package, esbuild plugins from the config (a published
// one: esbuild-plugin-svgr), and failures that always say where. Each app is built by the
// CLI and its bundle run in Node to prove what it does.
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { pathToFileURL } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { assetOf, BIN, kiln, manifestOf, project, remove, write, REPO } from './helpers.mjs'

const OUT = 'public/assets'
const build = (dir, args = [], env = {}) => kiln(['build', '--cache-dir', '.kiln-cache', ...args], { cwd: dir, env })
const ok = (r) => assert.is(r.code, 0, r.stderr)

/** Real packages, installed once per machine into a directory keyed by their specs, linked into each app. */
const DEPS = {
  react: '19.3.1',
  'react-dom': '19.3.1',
  preact: '11.2.0',
  'preact-render-to-string': '6.8.2',
  'esbuild-plugin-svgr': '3.1.1',
}
let nodeModules = null
function installed() {
  if (nodeModules) return nodeModules
  const key = crypto.createHash('sha256').update(JSON.stringify([DEPS, process.versions.node.split('.')[0]])).digest('hex').slice(0, 12)
  const dir = path.join(os.tmpdir(), 'kiln-test-npm', `scripts-${key}`)
  const done = path.join(dir, 'node_modules', '.kiln-test-installed')
  if (!fs.existsSync(done)) {
    const temp = `${dir}.${process.pid}.tmp`
    fs.rmSync(temp, { recursive: true, force: true })
    fs.mkdirSync(temp, { recursive: true })
    fs.writeFileSync(path.join(temp, 'package.json'), JSON.stringify({ private: true, dependencies: DEPS }))
    // esbuild-plugin-svgr names esbuild ^0.25 as a peer: the plugin gets Kiln's esbuild, so none is installed for it.
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', '--legacy-peer-deps', '--loglevel=error'], { cwd: temp, stdio: ['ignore', 'ignore', 'inherit'] })
    fs.writeFileSync(path.join(temp, 'node_modules', '.kiln-test-installed'), '')
    try {
      fs.renameSync(temp, dir)
    } catch {
      fs.rmSync(temp, { recursive: true, force: true }) // another run installed it first
    }
  }
  return (nodeModules = path.join(dir, 'node_modules'))
}

/** A temp app; `deps`: link the installed packages as its node_modules. */
function app(files, { deps = false, type = 'module' } = {}) {
  const dir = project({ 'package.json': JSON.stringify({ name: 'app', private: true, type }), ...files })
  if (deps) fs.symlinkSync(installed(), path.join(dir, 'node_modules'))
  return dir
}

/**
 * Runs an entry's built file in a Node process of its own (React's scheduler keeps message
 * ports open); the entry leaves what it found on globalThis.__out, returned as JSON.
 */
async function run(dir, name) {
  const asset = assetOf(manifestOf(dir), name)
  assert.ok(asset, `${name} is an entry of the manifest`)
  // Node takes .js files for ES modules only below a "type": "module" package.json (an app may say commonjs).
  fs.writeFileSync(path.join(dir, 'public', 'package.json'), '{"type":"module"}\n')
  const url = pathToFileURL(path.join(dir, OUT, asset.file)).href
  const code = `await import(${JSON.stringify(url)}); process.stdout.write(JSON.stringify(globalThis.__out ?? null)); process.exit(0)`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' })
  assert.is(r.status, 0, r.stderr)
  return JSON.parse(r.stdout)
}

const entryText = (dir, name) => fs.readFileSync(path.join(dir, OUT, manifestOf(dir).assets[name]), 'utf8')

/** Every byte the artifact directory holds, precompressed variants decompressed, as one string. */
function everythingWritten(dir) {
  const texts = []
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else {
        const bytes = fs.readFileSync(p)
        texts.push((p.endsWith('.br') ? zlib.brotliDecompressSync(bytes) : p.endsWith('.gz') ? zlib.gunzipSync(bytes) : bytes).toString('utf8'))
      }
    }
  }
  walk(path.join(dir, OUT))
  return texts.join('\n')
}

// ---------------------------------------------------------------------------------------

const jsx = suite('JSX: the automatic runtime by default, the tsconfig/jsconfig honoured')

jsx('should render a React .jsx app that has no tsconfig and never imports React', async () => {
  const dir = app({
    'assets/app.jsx': [
      "import { renderToString } from 'react-dom/server'",
      "import { Badge } from './lib/badge.jsx'",
      'function App() {',
      '  return <main id="app"><Badge label="ok" /></main>',
      '}',
      'globalThis.__out = renderToString(<App />)',
      '',
    ].join('\n'),
    'assets/lib/badge.jsx': 'export function Badge({ label }) {\n  return <span className="badge">{label}</span>\n}\n',
  }, { deps: true })
  try {
    ok(await build(dir))
    assert.is(await run(dir, 'app.jsx'), '<main id="app"><span class="badge">ok</span></main>')
  } finally {
    remove(dir)
  }
})

jsx('should build Preact with jsxImportSource from a jsconfig.json that sets no "jsx"', async () => {
  const dir = app({
    'jsconfig.json': '{\n  // Preact\'s runtime; the JSX mode is the bundler\'s default\n  "compilerOptions": { "jsxImportSource": "preact", },\n}\n',
    'assets/app.jsx': [
      "import { render } from 'preact-render-to-string'",
      'const Hello = ({ name }) => <p class="hello">Hello {name}</p>',
      "globalThis.__out = render(<Hello name='Preact' />)",
      '',
    ].join('\n'),
  }, { deps: true })
  try {
    ok(await build(dir))
    assert.is(await run(dir, 'app.jsx'), '<p class="hello">Hello Preact</p>')
    assert.not.match(everythingWritten(dir), /node_modules\/react\//)
  } finally {
    remove(dir)
  }
})

jsx('should build Preact from a tsconfig.json with "jsx": "react-jsx" and jsxImportSource (TSX)', async () => {
  const dir = app({
    'tsconfig.json': JSON.stringify({ compilerOptions: { jsx: 'react-jsx', jsxImportSource: 'preact', strict: true } }),
    'assets/app.tsx': "import { render } from 'preact-render-to-string'\nconst Hi = ({ n }: { n: number }) => <b>{n}</b>\n;(globalThis as any).__out = render(<Hi n={3} />)\n",
  }, { deps: true })
  try {
    ok(await build(dir))
    assert.is(await run(dir, 'app.tsx'), '<b>3</b>')
  } finally {
    remove(dir)
  }
})

jsx('should keep the classic runtime a tsconfig asks for ("jsx": "react" with jsxFactory)', async () => {
  const dir = app({
    'tsconfig.json': JSON.stringify({ extends: './tsconfig.base.json' }),
    'tsconfig.base.json': JSON.stringify({ compilerOptions: { jsx: 'react', jsxFactory: 'h', jsxFragmentFactory: 'Fragment' } }),
    'assets/app.tsx': "import { h, Fragment } from 'preact'\nimport { render } from 'preact-render-to-string'\n;(globalThis as any).__out = render(<><i>classic</i></>)\n",
  }, { deps: true })
  try {
    ok(await build(dir, ['--no-minify']))
    assert.is(await run(dir, 'app.tsx'), '<i>classic</i>')
    // createElement's shape (type, props, ...children), not jsx()'s (type, { children })
    assert.match(entryText(dir, 'app.tsx'), /\w+\("i", null, "classic"\)/)
    assert.not.match(entryText(dir, 'app.tsx'), 'jsx-runtime')
  } finally {
    remove(dir)
  }
})

jsx('should not ship jsxDEV calls in a production build of a tsconfig that says "react-jsxdev"', async () => {
  const dir = app({
    'tsconfig.json': JSON.stringify({ compilerOptions: { jsx: 'react-jsxdev' } }),
    'assets/app.tsx': "import { renderToString } from 'react-dom/server'\n;(globalThis as any).__out = renderToString(<em>prod</em>)\n",
  }, { deps: true })
  try {
    ok(await build(dir))
    assert.is(await run(dir, 'app.tsx'), '<em>prod</em>')
  } finally {
    remove(dir)
  }
})

jsx.run()

// ---------------------------------------------------------------------------------------

const PROBE = [
  'globalThis.__out = {',
  '  nodeEnv: process.env.NODE_ENV,',
  '  mode: import.meta.env.MODE,',
  '  prod: import.meta.env.PROD,',
  '  dev: import.meta.env.DEV,',
  '  base: import.meta.env.BASE_URL,',
  '  env: { ...import.meta.env },',
  '}',
  '',
].join('\n')

const mode = suite('build mode: --mode, process.env.NODE_ENV and import.meta.env')

mode('should ship React\'s production build from kiln build --no-minify (NODE_ENV is "production" whether or not it minifies)', async () => {
  const dir = app({
    'assets/app.jsx': "import * as React from 'react'\nimport { renderToString } from 'react-dom/server'\nglobalThis.__out = { html: renderToString(<p>x</p>), act: typeof React.act, nodeEnv: process.env.NODE_ENV }\n",
  }, { deps: true })
  try {
    ok(await build(dir, ['--no-minify', '--no-compress']))
    const text = entryText(dir, 'app.jsx')
    assert.match(text, 'react.production')
    assert.not.match(text, 'react.development')
    assert.not.match(text, 'react-dom-server.browser.development')
    // React's development build exports act(); its production build does not.
    assert.equal(await run(dir, 'app.jsx'), { html: '<p>x</p>', act: 'undefined', nodeEnv: 'production' })
  } finally {
    remove(dir)
  }
})

mode('should be production by default and follow --mode, KILN_MODE and the config\'s mode', async () => {
  const dir = app({ 'assets/app.js': PROBE })
  try {
    ok(await build(dir))
    assert.equal(await run(dir, 'app.js'), {
      nodeEnv: 'production', mode: 'production', prod: true, dev: false, base: '/assets/',
      env: { BASE_URL: '/assets/', DEV: false, MODE: 'production', PROD: true, SSR: false },
    })
    ok(await build(dir, ['--mode', 'development', '--public-path', '/static/']))
    const dev = await run(dir, 'app.js')
    assert.equal([dev.nodeEnv, dev.mode, dev.prod, dev.dev, dev.base], ['development', 'development', false, true, '/static/'])
    ok(await build(dir, [], { KILN_MODE: 'staging' }))
    const staging = await run(dir, 'app.js')
    assert.equal([staging.nodeEnv, staging.mode, staging.prod], ['production', 'staging', true])
    write(dir, { 'kiln.config.mjs': "export default ({ mode }) => ({ mode: mode === 'production' ? 'qa' : mode })\n" })
    ok(await build(dir))
    assert.is((await run(dir, 'app.js')).mode, 'qa')
    ok(await build(dir, ['--mode', 'development']))
    assert.is((await run(dir, 'app.js')).mode, 'development')
  } finally {
    remove(dir)
  }
})

mode('should fold away code under import.meta.env.DEV in a production build', async () => {
  const dir = app({ 'assets/app.js': "if (import.meta.env.DEV) console.log('dev-only-branch')\nif (process.env.NODE_ENV !== 'production') console.log('not-production-branch')\nglobalThis.__out = 1\n" })
  try {
    ok(await build(dir))
    assert.not.match(entryText(dir, 'app.js'), 'dev-only-branch')
    assert.not.match(entryText(dir, 'app.js'), 'not-production-branch')
  } finally {
    remove(dir)
  }
})

mode('should refuse a mode that is not a name, with exit 2', async () => {
  const dir = app({ 'assets/app.js': PROBE })
  try {
    const r = await build(dir, ['--mode', '../prod'])
    assert.is(r.code, 2)
    assert.match(r.stderr, '--mode must be a name')
    const local = await build(dir, [], { KILN_MODE: 'local' })
    assert.is(local.code, 2)
    assert.match(local.stderr, 'KILN_MODE=local cannot be "local"')
  } finally {
    remove(dir)
  }
})

mode('should build in production in kiln watch unless --mode says otherwise, and rebuild when a .env file changes', async () => {
  const dir = app({ 'assets/app.js': PROBE, '.env': 'KILN_PUBLIC_COLOR=red\n' })
  const child = spawn(process.execPath, [BIN, 'watch', '--json', '--cache-dir', '.kiln-cache'], { cwd: dir, env: { PATH: process.env.PATH, NO_COLOR: '1' } })
  const builds = []
  let buffered = ''
  let waiting = null
  child.stdout.on('data', (d) => {
    buffered += d
    let nl
    while ((nl = buffered.indexOf('\n')) >= 0) {
      builds.push(JSON.parse(buffered.slice(0, nl)))
      buffered = buffered.slice(nl + 1)
      waiting?.()
    }
  })
  const nextBuild = (n) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no build ${n} from kiln watch`)), 120000)
    const check = () => {
      if (builds.length >= n) {
        clearTimeout(timer)
        resolve(builds[n - 1])
      }
    }
    waiting = check
    check()
  })
  try {
    assert.ok((await nextBuild(1)).ok)
    let out = await run(dir, 'app.js')
    assert.equal([out.nodeEnv, out.mode, out.env.KILN_PUBLIC_COLOR], ['production', 'production', 'red'])
    write(dir, { '.env': 'KILN_PUBLIC_COLOR=blue\n' })
    assert.ok((await nextBuild(2)).ok)
    out = await run(dir, 'app.js')
    assert.is(out.env.KILN_PUBLIC_COLOR, 'blue')
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.on('close', resolve)))
    remove(dir)
  }
})

mode.run()

// ---------------------------------------------------------------------------------------

const env = suite('public env variables: KILN_PUBLIC_* from the environment and .env files, nothing else')

const ENV_FILES = {
  '.env': '# every mode\nKILN_PUBLIC_A=env\nKILN_PUBLIC_B=env\nKILN_PUBLIC_C=env\nKILN_PUBLIC_D=env\nKILN_PUBLIC_E=env\nDB_PASSWORD=dotenv-secret-91f\nexport KILN_PUBLIC_QUOTED="two\\nlines" # a comment\nKILN_PUBLIC_LITERAL=\'$A \\n\'\nKILN_PUBLIC_URL=https://${KILN_PUBLIC_HOST}/api\nKILN_PUBLIC_HOST=example.com\n',
  '.env.local': 'KILN_PUBLIC_B=env.local\nKILN_PUBLIC_C=env.local\nKILN_PUBLIC_D=env.local\nKILN_PUBLIC_E=env.local\n',
  '.env.production': 'KILN_PUBLIC_C=env.production\nKILN_PUBLIC_D=env.production\nKILN_PUBLIC_E=env.production\n',
  '.env.production.local': 'KILN_PUBLIC_D=env.production.local\nKILN_PUBLIC_E=env.production.local\n',
  '.env.development': 'KILN_PUBLIC_A=development\nKILN_PUBLIC_DEV_ONLY=yes\n',
}

env('should take each name from the most specific source: environment > .env.<mode>.local > .env.<mode> > .env.local > .env', async () => {
  const dir = app({ 'assets/app.js': PROBE, ...ENV_FILES })
  try {
    ok(await build(dir, [], { KILN_PUBLIC_E: 'shell' }))
    const { env: got } = await run(dir, 'app.js')
    assert.equal(got, {
      BASE_URL: '/assets/', DEV: false, MODE: 'production', PROD: true, SSR: false,
      KILN_PUBLIC_A: 'env', KILN_PUBLIC_B: 'env.local', KILN_PUBLIC_C: 'env.production', KILN_PUBLIC_D: 'env.production.local', KILN_PUBLIC_E: 'shell',
      KILN_PUBLIC_HOST: 'example.com', KILN_PUBLIC_LITERAL: '$A \\n', KILN_PUBLIC_QUOTED: 'two\nlines', KILN_PUBLIC_URL: 'https://example.com/api',
    })
    ok(await build(dir, ['--mode', 'development']))
    const dev = (await run(dir, 'app.js')).env
    assert.equal([dev.KILN_PUBLIC_A, dev.KILN_PUBLIC_C, dev.KILN_PUBLIC_DEV_ONLY], ['development', 'env.local', 'yes'])
  } finally {
    remove(dir)
  }
})

env('should expose nothing without the prefix: a secret in the environment and in .env appears nowhere in the output', async () => {
  const dir = app({
    'assets/app.js': `${PROBE}globalThis.__out.tried = [import.meta.env.SECRET_TOKEN, import.meta.env.DB_PASSWORD, import.meta.env.PATH, import.meta.env.KILN_PUBLIC_PATH].map((v) => typeof v)\n`,
    '.env': 'SECRET_TOKEN=dotenv-secret-5c2\nDB_PASSWORD=dotenv-secret-91f\nKILN_PUBLIC_OK=fine\n',
  })
  try {
    ok(await build(dir, ['--public-path', '/p/'], { SECRET_TOKEN: 'shell-secret-7d4', KILN_PUBLIC_PATH: '/p/', KILN_PUBLIC_OK: 'from-shell' }))
    const out = await run(dir, 'app.js')
    assert.equal(out.tried, ['undefined', 'undefined', 'undefined', 'undefined'])
    assert.is(out.env.KILN_PUBLIC_OK, 'from-shell')
    const written = everythingWritten(dir)
    for (const secret of ['dotenv-secret-5c2', 'dotenv-secret-91f', 'shell-secret-7d4', process.env.PATH]) assert.not.ok(written.includes(secret), `${secret} is not in the output`)
  } finally {
    remove(dir)
  }
})

env('should expose the prefixes envPrefix names instead, and refuse an empty one', async () => {
  const dir = app({ 'assets/app.js': PROBE, '.env': 'VITE_API=/api\nKILN_PUBLIC_X=x\n', 'kiln.config.mjs': "export default { envPrefix: ['VITE_'] }\n" })
  try {
    ok(await build(dir))
    const got = (await run(dir, 'app.js')).env
    assert.equal([got.VITE_API, got.KILN_PUBLIC_X], ['/api', undefined])
    write(dir, { 'kiln.config.mjs': "export default {\n  envPrefix: [''],\n}\n" })
    const r = await build(dir)
    assert.is(r.code, 1)
    assert.match(r.stderr, 'kiln.config.mjs:2:3: ERROR: Option "envPrefix" in kiln.config.mjs cannot contain an empty prefix')
  } finally {
    remove(dir)
  }
})

env('should recompile when a .env file changes and reuse the compile when it does not', async () => {
  const dir = app({ 'assets/app.js': PROBE, '.env': 'KILN_PUBLIC_V=1\n' })
  try {
    ok(await build(dir))
    const again = await build(dir, ['--json'])
    assert.is(JSON.parse(again.stdout).steps.compile, 'skipped')
    write(dir, { '.env.production.local': 'KILN_PUBLIC_V=2\n' })
    const changed = await build(dir, ['--json'])
    assert.equal(JSON.parse(changed.stdout).steps.compile, ['scripts'])
    assert.is((await run(dir, 'app.js')).env.KILN_PUBLIC_V, '2')
  } finally {
    remove(dir)
  }
})

env('should warn at file:line about a .env line that is not NAME=value', async () => {
  const dir = app({ 'assets/app.js': PROBE, '.env': 'KILN_PUBLIC_A=1\nnot a variable\n' })
  try {
    const r = await build(dir)
    ok(r)
    assert.match(r.stderr, '.env:2:1: WARNING: Ignored a line of .env: not NAME=value')
  } finally {
    remove(dir)
  }
})

env('should type import.meta.env in kiln-assets/client: MODE, PROD, DEV, BASE_URL, KILN_PUBLIC_*, nothing else', () => {
  const dir = project({
    'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler', noEmit: true, types: [] }, files: [path.join(REPO, 'client.d.ts'), 'src/a.ts'] }),
    'src/a.ts': [
      'export const mode: string = import.meta.env.MODE',
      'export const flags: boolean = import.meta.env.PROD && !import.meta.env.DEV && !import.meta.env.SSR',
      'export const base: string = import.meta.env.BASE_URL',
      'export const api: string | undefined = import.meta.env.KILN_PUBLIC_API',
      '// @ts-expect-error: not a public variable',
      'export const secret = import.meta.env.SECRET',
      '',
    ].join('\n'),
  })
  try {
    const r = spawnSync(process.execPath, [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' })
    assert.is(r.status, 0, r.stdout + r.stderr)
  } finally {
    remove(dir)
  }
})

env.run()

// ---------------------------------------------------------------------------------------

const define = suite('define: expressions replaced as esbuild\'s define does')

define('should replace the config\'s define keys in scripts, over Kiln\'s own', async () => {
  const dir = app({
    'assets/app.ts': "declare const __VERSION__: string\n;(globalThis as any).__out = { v: __VERSION__, flag: (globalThis as any).FEATURE_X, debug: process.env.DEBUG_LEVEL, mode: import.meta.env.MODE }\n",
    'kiln.config.mjs': "export default {\n  define: {\n    __VERSION__: JSON.stringify('2.0.1'),\n    'globalThis.FEATURE_X': 'true',\n    'process.env.DEBUG_LEVEL': '3',\n    'import.meta.env.MODE': JSON.stringify('custom'),\n  },\n}\n",
  })
  try {
    ok(await build(dir))
    assert.equal(await run(dir, 'app.ts'), { v: '2.0.1', flag: true, debug: 3, mode: 'custom' })
    assert.not.match(entryText(dir, 'app.ts'), '__VERSION__')
  } finally {
    remove(dir)
  }
})

define('should reject a define value esbuild cannot take, at its line in the config', async () => {
  const dir = app({ 'assets/app.js': 'globalThis.__out = X\n', 'kiln.config.mjs': "export default {\n  define: {\n    X: '1 +',\n  },\n}\n" })
  try {
    const r = await build(dir)
    assert.is(r.code, 1)
    assert.match(r.stderr, 'kiln.config.mjs:3:5: ERROR: define "X": Invalid define value')
    write(dir, { 'kiln.config.mjs': "export default {\n  define: { X: 1 },\n}\n" })
    const notString = await build(dir)
    assert.is(notString.code, 1)
    assert.match(notString.stderr, 'kiln.config.mjs:2:3: ERROR: Option "define" in kiln.config.mjs "X" must be a JS expression as a string, got 1')
    assert.match(notString.stderr, 'JSON.stringify(1)')
  } finally {
    remove(dir)
  }
})

define.run()

// ---------------------------------------------------------------------------------------

const entries = suite('entries: a root file another root file imports is a module')

entries('should build a root stylesheet and helper imported by the entry once, through it: one entry, no shared chunk', async () => {
  const dir = app({
    'assets/app.js': "import './app.css'\nimport { format } from './format.js'\nglobalThis.__out = format('x')\n",
    'assets/app.css': '#app { color: red }\n',
    'assets/format.js': 'export const format = (s) => `<${s}>`\n',
    'assets/admin.js': "globalThis.__out = 'admin'\n",
  })
  try {
    ok(await build(dir))
    const m = manifestOf(dir)
    const scripts = Object.keys(m.assets).filter((k) => /\.(js|css)$/.test(k)).sort()
    assert.equal(scripts, ['admin.js', 'app.js'])
    assert.is(assetOf(m, 'app.js').css.length, 1)
    assert.is(assetOf(m, 'app.js').imports, undefined)
    assert.not.ok(fs.existsSync(path.join(dir, OUT, 'chunks')))
    assert.is(await run(dir, 'app.js'), '<x>')
  } finally {
    remove(dir)
  }
})

entries('should find a root import however its path is spelt, and not take a same-named file in a subdirectory for it', async () => {
  const dir = app({
    'assets/app.ts': "import { format } from './lib/../format'\nimport './lib/admin.css'\nglobalThis.__out = format('x')\n",
    'assets/format.ts': 'export const format = (s: string): string => `<${s}>`\n',
    'assets/admin.css': '#admin { color: blue }\n',
    'assets/lib/admin.css': '#app { color: red }\n',
  })
  try {
    ok(await build(dir))
    assert.equal(Object.keys(manifestOf(dir).assets).filter((k) => /\.(ts|css)$/.test(k)).sort(), ['admin.css', 'app.ts'])
    assert.is(await run(dir, 'app.ts'), '<x>')
  } finally {
    remove(dir)
  }
})

entries('should report an error in a root stylesheet the entry imports once', async () => {
  const dir = app({ 'assets/app.ts': "import './app.css'\n", 'assets/app.css': '.a { color: red\n' })
  try {
    const r = await build(dir)
    assert.is(r.code, 1)
    assert.match(r.stderr, 'Build failed with 1 error:')
    assert.is(r.stderr.split('assets/app.css:').length - 1, 1, r.stderr)
  } finally {
    remove(dir)
  }
})

entries('should keep explicit entries as they are, imported or not', async () => {
  const dir = app({
    'assets/app.js': "import { format } from './format.js'\nglobalThis.__out = format('x')\n",
    'assets/format.js': 'export const format = (s) => `<${s}>`\n',
  })
  try {
    ok(await build(dir, ['--entry', '*.js']))
    assert.equal(Object.keys(manifestOf(dir).assets).sort(), ['app.js', 'format.js'])
  } finally {
    remove(dir)
  }
})

entries('should keep both files of an import cycle with no way in as entries', async () => {
  const dir = app({ 'assets/a.js': "import './b.js'\nglobalThis.__a = 1\n", 'assets/b.js': "import './a.js'\nglobalThis.__b = 1\n" })
  try {
    ok(await build(dir))
    assert.equal(Object.keys(manifestOf(dir).assets).sort(), ['a.js', 'b.js'])
  } finally {
    remove(dir)
  }
})

entries.run()

// ---------------------------------------------------------------------------------------

const commonjs = suite('"type": "commonjs" package: ESM sources bundle as ESM')

commonjs('should bundle side-effect-only and lazy modules without CommonJS wrappers or a helper chunk', async () => {
  const dir = app({
    'assets/app.js': "import './lib/setup.js'\nimport { twice } from './lib/math.js'\nglobalThis.__out = { setup: globalThis.__setup, n: twice(2) }\nexport const lazy = () => import('./lib/late.js')\n",
    'assets/lib/setup.js': 'globalThis.__setup = true\n',
    'assets/lib/late.js': 'globalThis.__late = true\n',
    'assets/lib/math.js': 'export const twice = (n) => n * 2\n',
  }, { type: 'commonjs' })
  try {
    ok(await build(dir, ['--no-minify']))
    const files = fs.readdirSync(path.join(dir, OUT, 'chunks')).filter((f) => f.endsWith('.js'))
    assert.equal(files.map((f) => f.replace(/-\w+\.js$/, '')), ['late'])
    assert.not.match(entryText(dir, 'app.js'), /__commonJS|__esm|require_/)
    assert.not.match(fs.readFileSync(path.join(dir, OUT, 'chunks', files[0]), 'utf8'), /__commonJS|require_/)
    assert.equal(await run(dir, 'app.js'), { setup: true, n: 4 })
  } finally {
    remove(dir)
  }
})

commonjs('should keep a CommonJS module of the app\'s own (module.exports) working', async () => {
  const dir = app({
    'assets/app.js': "import legacy from './lib/legacy.js'\nimport { twice } from './lib/math.js'\nglobalThis.__out = { legacy: legacy.name, n: twice(3) }\n",
    'assets/lib/legacy.js': "module.exports = { name: 'legacy' }\n",
    'assets/lib/math.js': 'export const twice = (n) => n * 2\n',
  }, { type: 'commonjs' })
  try {
    ok(await build(dir))
    assert.equal(await run(dir, 'app.js'), { legacy: 'legacy', n: 6 })
  } finally {
    remove(dir)
  }
})

commonjs.run()

// ---------------------------------------------------------------------------------------

const plugins = suite('esbuild plugins from the config')

plugins('should run a published plugin (esbuild-plugin-svgr) before Kiln\'s own .svg handling', async () => {
  const dir = app({
    'kiln.config.mjs': "import svgr from 'esbuild-plugin-svgr'\nexport default { esbuild: { plugins: [svgr()] } }\n",
    'assets/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><circle cx="4" cy="4" r="3"/></svg>\n',
    'assets/app.jsx': "import { renderToString } from 'react-dom/server'\nimport Logo from './logo.svg'\nglobalThis.__out = renderToString(<div><Logo className=\"logo\" /></div>)\n",
  }, { deps: true })
  try {
    ok(await build(dir))
    assert.is(await run(dir, 'app.jsx'), '<div><svg xmlns="http://www.w3.org/2000/svg" width="8" height="8" class="logo"><circle cx="4" cy="4" r="3"></circle></svg></div>')
    // The file itself is still a static file of the artifact.
    assert.ok(manifestOf(dir).assets['logo.svg'])
  } finally {
    remove(dir)
  }
})

plugins('should count the files a plugin reports in watchFiles as compile inputs', async () => {
  const dir = app({
    'kiln.config.mjs': [
      "import fs from 'node:fs'",
      'const version = {',
      "  name: 'version',",
      '  setup(build) {',
      "    build.onResolve({ filter: /^virtual:version$/ }, () => ({ path: 'version', namespace: 'version' }))",
      "    build.onLoad({ filter: /.*/, namespace: 'version' }, () => {",
      "      const file = new URL('./VERSION', import.meta.url).pathname",
      "      return { contents: `export default ${JSON.stringify(fs.readFileSync(file, 'utf8').trim())}`, watchFiles: [file] }",
      '    })',
      '  },',
      '}',
      'export default { esbuild: { plugins: [version] } }',
      '',
    ].join('\n'),
    VERSION: '1.0.0\n',
    'assets/app.js': "import v from 'virtual:version'\nglobalThis.__out = v\n",
  })
  try {
    ok(await build(dir))
    assert.is(await run(dir, 'app.js'), '1.0.0')
    write(dir, { VERSION: '1.0.1\n' })
    const r = await build(dir, ['--json'])
    assert.equal(JSON.parse(r.stdout).steps.compile, ['scripts'])
    assert.is(await run(dir, 'app.js'), '1.0.1')
  } finally {
    remove(dir)
  }
})

plugins.run()

// ---------------------------------------------------------------------------------------

const silent = suite('never silent: a failed plugin or an unsupported option is an error with file:line')

const PLUGIN = (body) => `const broken = {\n  name: 'broken',\n  setup(build) {\n${body}\n  },\n}\nexport default { esbuild: { plugins: [broken] } }\n`

silent('should put a plugin\'s onLoad throw at the import that triggered it, naming the plugin', async () => {
  const dir = app({
    'kiln.config.mjs': PLUGIN("    build.onLoad({ filter: /\\.data$/ }, () => { throw new Error('cannot read data') })"),
    'assets/app.js': "// first line\nimport data from './table.data'\nglobalThis.__out = data\n",
    'assets/table.data': 'x\n',
  })
  try {
    const r = await build(dir)
    assert.is(r.code, 1)
    assert.match(r.stderr, 'assets/app.js:2:18: ERROR: [plugin broken] cannot read data')
    assert.match(r.stderr, /kiln\.config\.mjs:4:\d+: hint: thrown here/)
  } finally {
    remove(dir)
  }
})

silent('should put a plugin\'s setup() throw at the line that threw', async () => {
  const dir = app({ 'kiln.config.mjs': PLUGIN("    throw new TypeError('missing option: root')"), 'assets/app.js': 'globalThis.__out = 1\n' })
  try {
    const r = await build(dir)
    assert.is(r.code, 1)
    assert.match(r.stderr, /kiln\.config\.mjs:4:\d+: ERROR: \[plugin broken\] missing option: root/)
  } finally {
    remove(dir)
  }
})

silent('should reject what is not an esbuild plugin, and esbuild settings Kiln does not pass, at their line', async () => {
  const dir = app({ 'kiln.config.mjs': "function svgr() { return { name: 'svgr', setup() {} } }\nexport default {\n  esbuild: { plugins: [svgr] },\n}\n", 'assets/app.js': '1\n' })
  try {
    const r = await build(dir)
    assert.is(r.code, 1)
    assert.match(r.stderr, 'kiln.config.mjs:3:3: ERROR: Option "esbuild" in kiln.config.mjs plugins[0] is a function, not an esbuild plugin: call it (plugins: [svgr()])')
    write(dir, { 'kiln.config.mjs': "export default {\n  esbuild: { minify: false },\n}\n" })
    const other = await build(dir)
    assert.is(other.code, 1)
    assert.match(other.stderr, 'kiln.config.mjs:2:3: ERROR: Option "esbuild" in kiln.config.mjs has no setting "minify"')
  } finally {
    remove(dir)
  }
})

silent('should offer no flag for config-only options', async () => {
  const r = await kiln(['build', '--help'])
  assert.match(r.stdout, '--mode NAME')
  assert.match(r.stdout, 'KILN_MODE')
  assert.not.match(r.stdout, '--define')
  assert.not.match(r.stdout, '--esbuild')
})

silent.run()
