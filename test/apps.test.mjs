// Real apps (test/apps/<name>/) on real npm packages, built by the CLI exactly as a user would
// (`kiln build --root assets --out public/assets`), served from the manifest under /assets/ and
// under /static/ (one artifact, the prefix chosen at run time), and loaded in headless Chromium:
// no console error, no failed request, fonts and images load, computed styles prove the CSS
// applied, and the app's own probe (window.__probe) says it ran. Issues 12 and 13.
//
// Each app: package.json (the packages it uses), assets/, optional kiln.config.mjs, .env files,
// tsconfig.json …, page.html (`{{tags NAME}}` / `{{url NAME}}` are filled from the manifest with
// kiln-assets/runtime) and expect.json (what must hold; see README.md in test/apps/).
//
// Packages are installed once into test/apps/node_modules from test/apps/package.json (an app
// with its own package-lock.json, e.g. tailwind3, gets its own install) and reinstalled only when
// package.json or the lock file changes. Each run copies an app to a temp dir whose node_modules
// links to those packages and to this repository as kiln-assets. Then: a Tailwind class added in
// a .tsx reaches the CSS of the next build and of kiln watch; and a table of which apps work.
//
//   npx uvu test 'apps\.test'                                 all apps
//   KILN_TEST_APPS=sass,tailwind4 npx uvu test 'apps\.test'   some
//   KILN_TEST_APPS_STRICT=1 …      apps marked "pending" in expect.json fail the run too
//   KILN_TEST_APPS_KEEP=1 …        keep the built apps (the temp dir is printed)
import { spawn } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { SourceMapConsumer } from 'source-map-js'
import { loadManifest } from '../dist/runtime/index.js'
import { serveAssets } from '../dist/runtime/serve.js'
import { chromiumAvailable, launchChromium, listen } from './browser-helpers.mjs'
import { assetOf, BIN, REPO } from './helpers.mjs'

const APPS = path.join(REPO, 'test', 'apps')
const PREFIXES = ['/assets/', '/static/']
const BUILD_ARGS = ['build', '--root', 'assets', '--out', 'public/assets']
const STRICT = process.env.KILN_TEST_APPS_STRICT === '1'
const only = process.env.KILN_TEST_APPS ? new Set(process.env.KILN_TEST_APPS.split(',').map((s) => s.trim())) : undefined
const STAMP = '.kiln-apps-hash'
const PROBE_TIMEOUT = 6000

/** The apps: every directory of test/apps with an expect.json. */
const apps = fs
  .readdirSync(APPS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'node_modules' && fs.existsSync(path.join(APPS, d.name, 'expect.json')))
  .map((d) => d.name)
  .filter((name) => !only || only.has(name))
  .sort()
  .map((name) => {
    const dir = path.join(APPS, name)
    return {
      name,
      dir,
      expect: JSON.parse(fs.readFileSync(path.join(dir, 'expect.json'), 'utf8')),
      // An app with its own lock file is its own install (Tailwind v3 beside v4's `tailwindcss`).
      installDir: fs.existsSync(path.join(dir, 'package-lock.json')) ? dir : APPS,
      work: undefined,
      build: undefined, // { ok, code, stdout, stderr, ms, reason }
      results: {}, // prefix → 'pass' | reason
    }
  })
if (only) for (const n of only) if (!apps.some((a) => a.name === n)) throw new Error(`KILN_TEST_APPS names "${n}", which is not an app in test/apps/`)

let workRoot
let browser
let installError
let noBrowser = false

/** The environment of child processes: no KILN_* or ASSET_HOST of ours, no npm_* of an outer npm run. */
function childEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KILN_') && k !== 'ASSET_HOST' && !/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'FORCE_COLOR'))
  return { ...env, NO_COLOR: '1', ...extra }
}

function run(command, args, { cwd, env, timeout = 120_000 }) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout)
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code: signal ? `killed (${signal}, timeout ${timeout} ms)` : code, stdout, stderr, ms: performance.now() - started })
    })
  })
}

function installHash(dir) {
  const h = crypto.createHash('sha256')
  for (const f of ['package.json', 'package-lock.json']) {
    const file = path.join(dir, f)
    h.update(f).update(fs.existsSync(file) ? fs.readFileSync(file) : '')
  }
  return h.digest('hex')
}

/** npm ci (or npm install without a lock file) in `dir`, unless node_modules matches the stamp. */
async function ensureInstalled(dir) {
  const hash = installHash(dir)
  const stamp = path.join(dir, 'node_modules', STAMP)
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return { installed: false, ms: 0 }
  const lock = fs.existsSync(path.join(dir, 'package-lock.json'))
  const r = await run('npm', [lock ? 'ci' : 'install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, env: childEnv(), timeout: 600_000 })
  if (r.code !== 0) throw new Error(`npm ${lock ? 'ci' : 'install'} in ${path.relative(REPO, dir)} exited ${r.code}:\n${r.stderr.slice(-2000)}`)
  fs.writeFileSync(stamp, hash)
  return { installed: true, ms: r.ms }
}

/**
 * Copies the app to a temp dir with a node_modules of links: every package of its install
 * (except `hide`), and this repository as kiln-assets, so `import … from 'kiln-assets'` in a
 * config resolves as in a user's app. Builds write only inside the temp dir.
 */
function stage(app, as = app.name) {
  const work = path.join(workRoot, as)
  fs.cpSync(app.dir, work, { recursive: true, filter: (src) => path.basename(src) !== 'node_modules' && path.basename(src) !== 'expect.json' })
  const hide = new Set(app.expect.hide ?? [])
  const from = path.join(app.installDir, 'node_modules')
  const to = path.join(work, 'node_modules')
  fs.mkdirSync(to)
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (e.name.startsWith('.')) continue
    if (e.name.startsWith('@') && e.isDirectory()) {
      fs.mkdirSync(path.join(to, e.name))
      for (const s of fs.readdirSync(path.join(from, e.name))) {
        if (!hide.has(`${e.name}/${s}`)) fs.symlinkSync(path.join(from, e.name, s), path.join(to, e.name, s), 'dir')
      }
    } else if (!hide.has(e.name)) fs.symlinkSync(path.join(from, e.name), path.join(to, e.name), 'dir')
  }
  if (!fs.existsSync(path.join(to, 'kiln-assets'))) fs.symlinkSync(REPO, path.join(to, 'kiln-assets'), 'dir')
  return work
}

/** The line of a build's output that says why it failed (or what it warned about). */
function firstProblem(output) {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean)
  return lines.find((l) => /error|warning|✘|▲/i.test(l) && !/^Build failed with/.test(l)) ?? lines[0] ?? ''
}

function oneLine(text, max = 150) {
  const s = String(text).replace(/\s+/g, ' ').trim()
  return s.length > max ? `${s.slice(0, max - 1)}…` : s
}

/** Output files that hold code or styles (not maps or compressed copies), relative to the out dir. */
function outputTexts(work) {
  const out = path.join(work, 'public/assets')
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'))
  return Object.keys(manifest.files)
    .filter((f) => /\.(m?js|css|html)$/.test(f))
    .map((f) => ({ file: f, text: fs.readFileSync(path.join(out, f), 'utf8') }))
}

const SCRIPT_OR_STYLE = /\.(m?[jt]sx?|css|s[ac]ss|less|svelte)$/

/** Checks of the built artifact that expect.json asks for; returns failure messages. */
function checkArtifact(app) {
  const failures = []
  const manifest = JSON.parse(fs.readFileSync(path.join(app.work, 'public/assets/manifest.json'), 'utf8'))
  if (app.expect.entries) {
    const entries = Object.keys(manifest.assets).filter((n) => SCRIPT_OR_STYLE.test(n)).sort()
    const want = [...app.expect.entries].sort()
    if (JSON.stringify(entries) !== JSON.stringify(want)) failures.push(`manifest entries are ${entries.join(', ')}; expected only ${want.join(', ')}`)
  }
  if (app.expect.chunks !== undefined) {
    const chunks = Object.keys(manifest.files).filter((f) => /^chunks\/.*\.m?js$/.test(f))
    if (chunks.length !== app.expect.chunks) failures.push(`${chunks.length} chunks (${chunks.join(', ')}); expected ${app.expect.chunks}`)
  }
  for (const m of app.expect.sourcemaps ?? []) {
    const problem = checkSourceMap(app.work, manifest, m)
    if (problem) failures.push(`source map: ${problem}`)
  }
  if (app.expect.notInOutput) {
    for (const { file, text } of outputTexts(app.work)) {
      for (const s of app.expect.notInOutput) if (text.includes(s)) failures.push(`${file} contains ${JSON.stringify(s)}`)
    }
  }
  return failures
}

/**
 * Finds `find` in an output file and maps its position back through the file's source map:
 * the source must end with `source` and the line must be `line`. The output is the file of
 * asset `asset`, the first stylesheet of entry `css`, or the first file matching `file`.
 */
function checkSourceMap(work, manifest, { asset, css, file, find, source, line }) {
  const out = path.join(work, 'public/assets')
  const name = asset ? manifest.assets[asset] : css ? assetOf(manifest, css)?.css?.[0] : Object.keys(manifest.files).find((f) => new RegExp(file).test(f) && !/\.(map|br|gz)$/.test(f))
  const what = asset ? `asset ${asset}` : css ? `the CSS of ${css}` : `a file matching /${file}/`
  if (!name) return `no output for ${what}`
  const text = fs.readFileSync(path.join(out, name), 'utf8')
  const at = text.indexOf(find)
  if (at < 0) return `${name} does not contain ${JSON.stringify(find)}`
  const mapRef = /[#@] sourceMappingURL=(\S+)\s*(?:\*\/)?\s*$/.exec(text)?.[1]
  if (!mapRef) return `${name} has no sourceMappingURL`
  let raw
  if (mapRef.startsWith('data:')) raw = Buffer.from(mapRef.slice(mapRef.indexOf(',') + 1), mapRef.includes(';base64,') ? 'base64' : 'utf8').toString()
  else {
    const mapFile = path.join(out, path.dirname(name), decodeURIComponent(mapRef))
    if (!fs.existsSync(mapFile)) return `${name} names ${mapRef}, which was not written`
    raw = fs.readFileSync(mapFile, 'utf8')
  }
  const before = text.slice(0, at).split('\n')
  const pos = new SourceMapConsumer(JSON.parse(raw)).originalPositionFor({ line: before.length, column: before.at(-1).length })
  if (!pos.source || !pos.source.replace(/\\/g, '/').endsWith(source) || pos.line !== line) return `${JSON.stringify(find)} in ${name} maps to ${pos.source ?? 'nothing'}:${pos.line ?? '?'}, expected …${source}:${line}`
  return undefined
}

async function buildApp(app) {
  app.work = stage(app)
  const r = await run(process.execPath, [BIN, ...BUILD_ARGS, ...(app.expect.args ?? [])], { cwd: app.work, env: childEnv(app.expect.env) })
  const output = `${r.stderr}\n${r.stdout}`
  app.build = { ...r, ok: false }
  const fails = app.expect.fails
  if (fails) {
    const problems = []
    if (r.code !== fails.code) problems.push(`exit ${r.code}, expected ${fails.code}`)
    for (const re of fails.stderr ?? []) if (!new RegExp(re).test(r.stderr)) problems.push(`stderr lacks /${re}/`)
    app.build.ok = problems.length === 0
    app.build.reason = problems.length ? `${problems.join('; ')} — ${r.code === 0 ? 'built silently' : oneLine(firstProblem(output))}` : undefined
    return
  }
  if (r.code !== 0) {
    app.build.reason = `kiln build exit ${r.code}: ${oneLine(firstProblem(output))}`
    return
  }
  const failures = checkArtifact(app)
  app.build.ok = failures.length === 0
  app.build.reason = failures.length ? `artifact: ${failures.join('; ')}` : undefined
  app.build.warning = r.stderr.trim() ? oneLine(firstProblem(r.stderr), 100) : undefined
}

/** page.html with {{tags NAME}} and {{url NAME}} filled in by kiln-assets/runtime. */
function renderPage(app, assets) {
  const template = fs.readFileSync(path.join(app.work, 'page.html'), 'utf8')
  return template.replace(/\{\{\s*(tags|url)\s+([^}\s]+)\s*\}\}/g, (_, fn, name) => assets[fn](name))
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Which expected probe fields differ from what the page has (all of them when it has none). */
function probeMismatch(expected, actual) {
  if (actual === undefined || actual === null) return ['the app never set its probe (window.__probe)']
  return Object.entries(expected)
    .filter(([k, v]) => JSON.stringify(actual[k]) !== JSON.stringify(v))
    .map(([k, v]) => `probe.${k} is ${JSON.stringify(actual[k]) ?? 'undefined'}, expected ${JSON.stringify(v)}`)
}

/**
 * Polls the page until its probe matches `expected`, or PROBE_TIMEOUT. Stops early once the page
 * has reported a problem (a failed request, an error) and had a moment to report more, or once
 * the probe says ok: true but has not changed for half a second (it is not going to match).
 */
async function waitForProbe(page, problems, expected) {
  const deadline = Date.now() + PROBE_TIMEOUT
  let firstProblemAt
  let last
  let lastChange = Date.now()
  for (;;) {
    const probe = await page.evaluate(() => (window.__probe === undefined ? undefined : JSON.parse(JSON.stringify(window.__probe))))
    if (probe !== undefined && probeMismatch(expected, probe).length === 0) return probe
    const now = Date.now()
    const json = JSON.stringify(probe)
    if (json !== last) {
      last = json
      lastChange = now
    }
    if (problems.length && firstProblemAt === undefined) firstProblemAt = now
    if (now > deadline || (firstProblemAt !== undefined && now - firstProblemAt > 400) || (probe?.ok === true && now - lastChange > 500)) return probe
    await sleep(40)
  }
}

/** Styles, fonts and images as expect.json lists them, checked in the page. */
function pageChecks(page, { styles = [], fonts = [], images = [] }) {
  return page.evaluate(
    async ({ styles, fonts, images }) => {
      const out = []
      await document.fonts.ready
      for (const s of styles) {
        const el = document.querySelector(s.selector)
        if (!el) {
          out.push(`no element ${s.selector}`)
          continue
        }
        const value = getComputedStyle(el, s.pseudo ?? null).getPropertyValue(s.property)
        if (value !== s.value) out.push(`${s.selector}${s.pseudo ?? ''} ${s.property} is ${JSON.stringify(value)}, expected ${JSON.stringify(s.value)}`)
      }
      for (const f of fonts) {
        try {
          const faces = await document.fonts.load(`16px "${f.family}"`, f.text ?? 'a')
          if (faces.length === 0) out.push(`font "${f.family}": no @font-face for it`)
          else if (!faces.every((x) => x.status === 'loaded')) out.push(`font "${f.family}": ${faces.map((x) => x.status).join(', ')}`)
        } catch (err) {
          out.push(`font "${f.family}" did not load (${err.name}: ${err.message})`)
        }
      }
      for (const sel of images) {
        const img = document.querySelector(sel)
        if (!img) {
          out.push(`no image ${sel}`)
          continue
        }
        await img.decode().catch(() => {})
        if (!(img.naturalWidth > 0)) out.push(`image ${sel} did not load: ${img.currentSrc || img.src}`)
      }
      return out
    },
    { styles, fonts, images },
  )
}

/** Serves the app's artifact under `prefix`, loads its page, returns the list of failures. */
async function visit(app, prefix) {
  const manifestPath = path.join(app.work, 'public/assets/manifest.json')
  const assets = loadManifest(manifestPath, { env: {}, publicPath: prefix })
  const serve = serveAssets({ assets, prefix, env: {} })
  const html = renderPage(app, assets)
  const server = await listen((req, res) => {
    serve(req, res, () => {
      if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html)
      else if (req.url === '/favicon.ico') res.writeHead(204).end()
      else res.writeHead(404).end()
    })
  })
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    const problems = []
    const where = (u) => {
      try {
        const url = new URL(u)
        return url.origin === server.origin ? url.pathname : u
      } catch {
        return u
      }
    }
    page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`))
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    page.on('requestfailed', (r) => problems.push(`request failed: ${where(r.url())} (${r.failure()?.errorText})`))
    page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()} ${where(r.url())}`))
    page.on('worker', (w) => w.on('console', (m) => m.type() === 'error' && problems.push(`worker console error: ${m.text()}`)))

    await page.goto(`${server.origin}/`, { waitUntil: 'load', timeout: 15_000 })
    const expected = app.expect.probe ?? { ok: true }
    const failures = []
    if (app.expect.click?.length) {
      for (const selector of app.expect.click) {
        try {
          await page.click(selector, { timeout: 3000 })
        } catch (err) {
          failures.push(`could not click ${selector}: ${oneLine(err.message.split('\n')[0], 100)}`)
        }
      }
    }
    const probe = await waitForProbe(page, problems, expected)
    failures.push(...probeMismatch(expected, probe))
    failures.push(...(await pageChecks(page, app.expect)))
    await sleep(100) // late requests (a font, a chunk) report their failures
    return [...new Set([...problems, ...failures])]
  } finally {
    await context.close()
    await server.close()
  }
}

/** Fails the test, unless the app is pending (expect.json "pending") and the run is not strict. */
function verdict(app, failures, what) {
  if (failures.length === 0) return
  const message = `${app.name} ${what}:\n    ${failures.join('\n    ')}`
  if (app.expect.pending && !STRICT) {
    console.log(`  pending (${app.expect.pending}) ${message}`)
    return
  }
  assert.unreachable(message)
}

// ---------------------------------------------------------------------------------------------

const setup = suite('test/apps: install')

setup.before(() => {
  workRoot = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-apps-')))
})

setup('should install the apps\' npm packages once (npm ci; again only when package.json or the lock changes)', async () => {
  const dirs = [...new Set(apps.map((a) => a.installDir))]
  try {
    for (const dir of dirs) {
      const r = await ensureInstalled(dir)
      if (r.installed) console.log(`  installed ${path.relative(REPO, dir)}/node_modules in ${(r.ms / 1000).toFixed(1)} s`)
    }
  } catch (err) {
    installError = err
    throw err
  }
})

setup('should list every package an app uses in the package.json of its install', () => {
  const deps = (file) => {
    const p = JSON.parse(fs.readFileSync(file, 'utf8'))
    return { ...p.dependencies, ...p.devDependencies }
  }
  const missing = []
  for (const app of apps) {
    if (app.installDir === app.dir) continue
    const shared = deps(path.join(APPS, 'package.json'))
    for (const [name, range] of Object.entries(deps(path.join(app.dir, 'package.json')))) {
      if (name === 'kiln-assets') continue // the repository itself, linked by the harness
      if (shared[name] !== range) missing.push(`${app.name}: ${name}@${range} (test/apps/package.json has ${shared[name] ?? 'nothing'})`)
    }
  }
  assert.equal(missing, [])
})

setup.run()

for (const app of apps) {
  const s = suite(`app ${app.name} (issue ${app.expect.issue}): ${app.expect.about}`)
  const buildName = app.expect.fails ? `should fail to build (exit ${app.expect.fails.code}) and say why` : `should build with kiln ${BUILD_ARGS.join(' ')}${app.expect.args ? ` ${app.expect.args.join(' ')}` : ''}`

  s(buildName, async () => {
    if (installError) assert.unreachable(`not installed: ${installError.message}`)
    await buildApp(app)
    if (!app.build.ok) verdict(app, [app.build.reason], 'build')
  })

  if (app.expect.fails) {
    s.run()
    continue
  }

  for (const prefix of PREFIXES) {
    s(`should run in Chromium, served under ${prefix}`, async () => {
      if (!app.build?.ok && app.build?.code !== 0) {
        app.results[prefix] = 'not built'
        return verdict(app, ['not built'], `under ${prefix}`)
      }
      if (noBrowser) return
      if (!browser) {
        if (!chromiumAvailable()) {
          noBrowser = true
          return
        }
        browser = await launchChromium()
      }
      let failures
      const started = performance.now()
      try {
        failures = await visit(app, prefix)
      } catch (err) {
        failures = [`harness: ${err.message.split('\n')[0]}`]
      }
      app.ms = (app.ms ?? 0) + performance.now() - started
      // The table shows the telling failure: Chromium's generic "Failed to load resource" last.
      const telling = failures.find((f) => !f.startsWith('console error: Failed to load resource')) ?? failures[0]
      app.results[prefix] = failures.length ? oneLine(telling) : 'pass'
      verdict(app, failures, `under ${prefix}`)
    })
  }
  s.run()
}

/** The text of every stylesheet the current manifest of `work` lists. */
function builtCss(work) {
  const out = path.join(work, 'public/assets')
  const file = path.join(out, 'manifest.json')
  if (!fs.existsSync(file)) return ''
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8'))
  return Object.keys(manifest.files).filter((f) => f.endsWith('.css')).map((f) => fs.readFileSync(path.join(out, f), 'utf8')).join('\n')
}

async function until(what, test, timeout = 20_000) {
  const deadline = Date.now() + timeout
  while (!test()) {
    if (Date.now() > deadline) assert.unreachable(`timed out after ${timeout} ms waiting for ${what}`)
    await sleep(100)
  }
}

// Tailwind reads the files it scans, not the ones Kiln gives it: a class added in a .tsx must
// reach the next build's CSS through the build cache and through kiln watch.
const TAILWIND = [
  ['tailwind3', 'assets/components/App.tsx'],
  ['tailwind4', 'assets/components/Hello.tsx'],
]
const ADDED = 'tracking-[0.37em]'
const addClass = (work, file) => {
  const abs = path.join(work, file)
  fs.writeFileSync(abs, fs.readFileSync(abs, 'utf8').replace('className="card"', `className="card ${ADDED}"`))
}
const rebuild = suite('test/apps: a Tailwind class added in a .tsx (issue 12)')

for (const [name, file] of TAILWIND) {
  const app = apps.find((a) => a.name === name)
  if (!app) continue
  rebuild(`should reach ${name}'s CSS on the next kiln build (build cache kept)`, async () => {
    if (installError) assert.unreachable(`not installed: ${installError.message}`)
    const work = stage(app, `${name}-rebuild`)
    const first = await run(process.execPath, [BIN, ...BUILD_ARGS], { cwd: work, env: childEnv() })
    assert.is(first.code, 0, first.stderr)
    assert.not.ok(builtCss(work).includes('.37em'), 'not in the first build')
    addClass(work, file)
    const second = await run(process.execPath, [BIN, ...BUILD_ARGS], { cwd: work, env: childEnv() })
    assert.is(second.code, 0, second.stderr)
    assert.ok(builtCss(work).includes('.37em'), `the CSS of the second build has ${ADDED} (letter-spacing: .37em)`)
  })

  rebuild(`should reach ${name}'s CSS in kiln watch`, async () => {
    if (installError) assert.unreachable(`not installed: ${installError.message}`)
    const work = stage(app, `${name}-watch`)
    const child = spawn(process.execPath, [BIN, 'watch', '--root', 'assets', '--out', 'public/assets'], { cwd: work, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const exited = new Promise((resolve) => child.on('close', resolve))
    try {
      await until('the first build of kiln watch', () => builtCss(work).length > 0)
      assert.not.ok(builtCss(work).includes('.37em'), 'not in the first build')
      await sleep(500) // the watcher is set up after the first build
      addClass(work, file)
      await until(`${ADDED} in the CSS kiln watch writes (output: ${oneLine(output, 300)})`, () => builtCss(work).includes('.37em'))
    } finally {
      child.kill('SIGTERM')
      await Promise.race([exited, sleep(5000)])
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
  })
}

rebuild.run()

const summary = suite('test/apps: summary')

summary('should print which apps work (app, build, /assets/, /static/)', async () => {
  try {
    const cell = (v) => (v === undefined || v === 'not built' ? '-' : v === 'pass' ? 'pass' : 'FAIL')
    const rows = apps.map((a) => {
      const build = !a.build ? '-' : a.build.ok ? (a.expect.fails ? 'fails as meant' : 'ok') : 'FAIL'
      const run = a.expect.fails ? ['', ''] : PREFIXES.map((p) => cell(a.results[p]))
      const reason = a.build && !a.build.ok ? a.build.reason : PREFIXES.map((p) => a.results[p]).find((r) => r && r !== 'pass' && r !== 'not built') ?? a.build?.warning ?? ''
      const works = a.build?.ok && (a.expect.fails || PREFIXES.every((p) => a.results[p] === 'pass'))
      const pending = a.expect.pending ? (works ? `works now: remove "pending" from test/apps/${a.name}/expect.json` : ` (pending: ${a.expect.pending})`) : ''
      const secs = `${((a.build?.ms ?? 0) / 1000).toFixed(1)}+${((a.ms ?? 0) / 1000).toFixed(1)}`
      return [`${a.name}`, `#${a.expect.issue}`, build, ...run, secs, works ? pending || (reason && `warns: ${oneLine(reason, 130)}`) : `${oneLine(reason, 140)}${pending}`]
    })
    const head = ['app', 'issue', 'build', '/assets/', '/static/', 'build+run s', 'first problem']
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (i < 6 ? r[i].length : 0))))
    const line = (r) => r.map((c, i) => (i < 6 ? c.padEnd(widths[i]) : c)).join('  ').trimEnd()
    const working = apps.filter((a) => a.build?.ok && (a.expect.fails || PREFIXES.every((p) => a.results[p] === 'pass'))).length
    console.log(`\n  Real apps: ${working} of ${apps.length} work\n  ${line(head)}\n  ${rows.map(line).join('\n  ')}\n`)
  } finally {
    if (browser) await browser.close()
    browser = undefined
    if (workRoot && !process.env.KILN_TEST_APPS_KEEP) fs.rmSync(workRoot, { recursive: true, force: true })
    else if (workRoot) console.log(`  kept the built apps in ${workRoot}`)
  }
})

summary.run()
