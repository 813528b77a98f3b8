// What a build says about sizes (issue 18): the terminal table under the summary line, and the
// pull-request summary in Markdown, and report.html in headless Chromium.
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { chromiumAvailable, launchChromium } from './browser-helpers.mjs'
import { assetOf, kiln, manifestOf, project, remove, REPO, sampleApp, write } from './helpers.mjs'

/** An entry's initial load (entry, static imports, CSS) in gzip bytes: the .gz variant, else the file gzipped (never above its size). */
function initialGzip(dir, m, name) {
  return initialGzipIn(path.join(dir, 'public/assets'), m, name)
}

function initialGzipIn(outDir, m, name) {
  const a = assetOf(m, name)
  const gz = (f) => m.files[`${f}.gz`]?.size ?? Math.min(m.files[f].size, zlib.gzipSync(fs.readFileSync(path.join(outDir, f)), { level: 9 }).length)
  return [a.file, ...(a.imports ?? []), ...(a.css ?? [])].reduce((n, f) => n + gz(f), 0)
}

const table = suite('the terminal summary table')

table('should list each entry\'s initial gzip size under the summary line, with its change since the last build', async () => {
  const dir = sampleApp()
  try {
    const first = await kiln(['build'], { cwd: dir, env: { CI: '' } })
    assert.is(first.code, 0, first.stderr)
    const m1 = manifestOf(dir)
    const lines = first.stdout.split('\n')
    assert.match(lines[0], /^Built 3 entries, /)
    assert.equal(lines.slice(1).map((l) => l.trim().split(/\s{2,}/)), [
      ['entry', 'initial (gzip)', 'since last build'],
      ['admin.ts', `${initialGzip(dir, m1, 'admin.ts')} B`, 'new'],
      ['app.ts', `${initialGzip(dir, m1, 'app.ts')} B`, 'new'],
      ['site.css', `${initialGzip(dir, m1, 'site.css')} B`, 'new'],
      [''],
    ])
    write(dir, { 'assets/admin.ts': "import { greet } from './lib/shared'\nconsole.log(greet('admin'), greet('and a good deal more text than before'))\n" })
    const second = await kiln(['build'], { cwd: dir, env: { CI: '' } })
    assert.is(second.code, 0, second.stderr)
    const m2 = manifestOf(dir)
    const before = initialGzip(dir, m1, 'admin.ts')
    const after = initialGzip(dir, m2, 'admin.ts')
    assert.ok(after > before)
    const rows = second.stdout.split('\n').slice(2, 5).map((l) => l.trim().split(/\s{2,}/))
    assert.equal(rows, [
      ['admin.ts', `${after} B`, `+${after - before} B (+${(((after - before) / before) * 100).toFixed(1)}%)`],
      ['app.ts', `${initialGzip(dir, m2, 'app.ts')} B`, '±0'],
      ['site.css', `${initialGzip(dir, m2, 'site.css')} B`, '±0'],
    ])
  } finally {
    remove(dir)
  }
})

table('should print no table with --quiet, and sizes with their last build\'s in --json', async () => {
  const dir = sampleApp()
  try {
    await kiln(['build', '--quiet'], { cwd: dir })
    const r = await kiln(['build', '--json'], { cwd: dir })
    const sizes = JSON.parse(r.stdout).sizes
    const m = manifestOf(dir)
    assert.equal(sizes.map((s) => [s.name, s.gzip, s.previous.gzip]), ['admin.ts', 'app.ts', 'site.css'].map((n) => [n, initialGzip(dir, m, n), initialGzip(dir, m, n)]))
  } finally {
    remove(dir)
  }
})

table.run()

const kept = suite('gzip sizes kept between builds')

kept('should keep each initial file\'s gzip size in the cache by integrity, and report the same sizes from it on a rebuild', async () => {
  const dir = sampleApp()
  try {
    const args = ['build', '--json', '--no-compress', '--cache-dir', '.cache']
    const first = await kiln(args, { cwd: dir })
    assert.is(first.code, 0, first.stderr)
    const m = manifestOf(dir)
    const keptFile = path.join(dir, '.cache/gzip-sizes-v1.json')
    const stored = JSON.parse(fs.readFileSync(keptFile, 'utf8'))
    assert.is(stored.zlib, process.versions.zlib)
    const out = path.join(dir, 'public/assets')
    for (const name of ['admin.ts', 'app.ts', 'site.css']) {
      const a = assetOf(m, name)
      for (const f of [a.file, ...(a.imports ?? []), ...(a.css ?? [])]) {
        assert.is(stored.sizes[m.files[f].integrity], zlib.gzipSync(fs.readFileSync(path.join(out, f)), { level: 9 }).length, f)
      }
    }
    const written = fs.statSync(keptFile).mtimeMs
    const second = await kiln(args, { cwd: dir })
    assert.is(second.code, 0, second.stderr)
    assert.equal(JSON.parse(second.stdout).sizes, JSON.parse(first.stdout).sizes.map((s) => ({ ...s, previous: { raw: s.raw, gzip: s.gzip } })))
    assert.is(fs.statSync(keptFile).mtimeMs, written, 'a rebuild that computed nothing new writes nothing')
  } finally {
    remove(dir)
  }
})

kept('should ignore kept sizes from another zlib, or a broken file, and compute them again', async () => {
  const dir = sampleApp()
  try {
    const args = ['build', '--json', '--no-compress', '--cache-dir', '.cache']
    const first = await kiln(args, { cwd: dir })
    const keptFile = path.join(dir, '.cache/gzip-sizes-v1.json')
    const stored = JSON.parse(fs.readFileSync(keptFile, 'utf8'))
    const wrong = Object.fromEntries(Object.keys(stored.sizes).map((k) => [k, 1]))
    for (const text of [JSON.stringify({ zlib: 'other', sizes: wrong }), '{"zlib":', JSON.stringify({ zlib: process.versions.zlib, sizes: 'no' })]) {
      fs.writeFileSync(keptFile, text)
      const r = await kiln(args, { cwd: dir })
      assert.is(r.code, 0, r.stderr)
      assert.equal(JSON.parse(r.stdout).sizes.map((s) => [s.name, s.gzip]), JSON.parse(first.stdout).sizes.map((s) => [s.name, s.gzip]), text)
      assert.equal(JSON.parse(fs.readFileSync(keptFile, 'utf8')), stored, 'written again, right')
    }
  } finally {
    remove(dir)
  }
})

kept.run()

const summary = suite('the pull-request summary (--summary, --compare, $GITHUB_STEP_SUMMARY)')

/** kiln's size notation (report/sizes.ts), as the table prints it. */
const fmt = (n) => (n < 1000 ? `${n} B` : `${(n / 1000).toFixed(1)} kB`)
const change = (now, before) => (now === before ? '±0' : `${now > before ? '+' : '-'}${fmt(Math.abs(now - before))} (${now > before ? '+' : '-'}${Math.abs(((now - before) / before) * 100).toFixed(1)}%)`)
const initialRaw = (m, name) => {
  const a = assetOf(m, name)
  return [a.file, ...(a.imports ?? []), ...(a.css ?? [])].reduce((n, f) => n + m.files[f].size, 0)
}

summary('should append a Markdown table of each entry\'s initial size and change against the base manifest', async () => {
  const dir = sampleApp()
  try {
    assert.is((await kiln(['build'], { cwd: dir, env: { CI: '' } })).code, 0)
    // The base build, as a pull-request job would download it: its manifest and files.
    fs.cpSync(path.join(dir, 'public/assets'), path.join(dir, 'base'), { recursive: true })
    const base = manifestOf(dir, 'base')
    write(dir, { 'assets/app.ts': "import { greet } from './lib/shared'\nimport './lib/app.css'\nexport const msg: string = greet('app, now with a longer greeting than the base had')\nimport('./lib/lazy').then((m) => m.run())\n" })
    fs.writeFileSync(path.join(dir, 'summary.md'), 'before\n')
    const r = await kiln(['build', '--summary', 'summary.md', '--compare', 'base/manifest.json'], { cwd: dir, env: { CI: '', GITHUB_STEP_SUMMARY: '' } })
    assert.is(r.code, 0, r.stderr)
    const m = manifestOf(dir)
    const row = (name) => `| \`${name}\` | ${fmt(initialGzip(dir, m, name))} | ${change(initialGzip(dir, m, name), initialGzipIn(path.join(dir, 'base'), base, name))} | ${fmt(initialRaw(m, name))} | ${change(initialRaw(m, name), initialRaw(base, name))} |`
    assert.ok(initialRaw(m, 'app.ts') > initialRaw(base, 'app.ts'))
    assert.equal(fs.readFileSync(path.join(dir, 'summary.md'), 'utf8').split('\n'), [
      'before',
      '### Kiln: initial load per entry',
      '',
      'Change against `base/manifest.json`.',
      '',
      '| Entry | Initial (gzip) | Change (gzip) | Initial (raw) | Change (raw) |',
      '| --- | ---: | ---: | ---: | ---: |',
      row('admin.ts'),
      row('app.ts'),
      row('site.css'),
      '',
      '',
    ])
    assert.match(fs.readFileSync(path.join(dir, 'summary.md'), 'utf8'), /\| `admin\.ts` \| \d+ B \| ±0 \|/)
  } finally {
    remove(dir)
  }
})

summary('should append to $GITHUB_STEP_SUMMARY when it is set, with the budgets\' outcome, even when a budget fails the build', async () => {
  const dir = sampleApp({ 'kiln.config.mjs': "export default { budgets: { 'app.ts': 10 } }\n" })
  try {
    const file = path.join(dir, 'step-summary.md')
    const r = await kiln(['build'], { cwd: dir, env: { CI: 'true', GITHUB_STEP_SUMMARY: file } })
    assert.is(r.code, 1, r.stderr)
    const lines = fs.readFileSync(file, 'utf8').split('\n')
    assert.is(lines[0], '### Kiln: initial load per entry')
    assert.is(lines[2], 'Change against the last build.')
    assert.match(lines[7], /^\| `app\.ts` \| \d+ B \| new \| \d+ B \| new \|$/)
    assert.match(lines[10], /^\*\*Over budget:\*\* `app\.ts` \d+ B > 10 B$/)
  } finally {
    remove(dir)
  }
})

summary.run()

const html = suite('report.html')

/** The example app (templates/example) in a temp directory. */
function exampleApp() {
  const dir = project()
  fs.cpSync(path.join(REPO, 'templates/example'), dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}public`) })
  return dir
}

html('should write report.html next to the manifest, unlisted and self-contained, with --report and with kiln report', async () => {
  const dir = exampleApp()
  try {
    // A stylesheet's @imports come from its source map: CSS maps are opt-in.
    const r = await kiln(['build', '--report', '--css-sourcemap'], { cwd: dir, env: { CI: '' } })
    assert.is(r.code, 0, r.stderr)
    const file = path.join(dir, 'public/assets/report.html')
    const page = fs.readFileSync(file, 'utf8')
    assert.ok(!Object.keys(manifestOf(dir).files).some((f) => f.includes('report')), 'not listed in the manifest')
    assert.not.match(page, /<(script|link|img)[^>]+(src|href)=/i, 'loads nothing')
    assert.match(page, /"name":"assets\/lib\/chart\.ts","size":\d+/)
    assert.match(page, /"name":"assets\/styles\/layout\.css","size":\d+/, 'a stylesheet entry by its @imports')
    fs.rmSync(file)
    const again = await kiln(['report'], { cwd: dir })
    assert.is(again.code, 0, again.stderr)
    assert.is(again.stdout, 'Wrote public/assets/report.html\n')
    // Without the build's metafile, module sizes come from the source maps.
    assert.match(fs.readFileSync(file, 'utf8'), /"name":"assets\/lib\/chart\.ts","size":\d+/)
    const none = await kiln(['report', 'nope/manifest.json'], { cwd: dir })
    assert.is(none.code, 2)
    assert.match(none.stderr, 'nope/manifest.json is not a Kiln manifest')
  } finally {
    remove(dir)
  }
})

html('should open from file:// with no console error and no request, show the example\'s modules in a keyboard-focusable treemap, and fit 1280 and 375 wide', async () => {
  if (!chromiumAvailable()) return
  const dir = exampleApp()
  const browser = await launchChromium()
  try {
    // Two builds: the second has a previous build to compare with.
    assert.is((await kiln(['build'], { cwd: dir, env: { CI: '' } })).code, 0)
    write(dir, { 'assets/lib/chart.ts': fs.readFileSync(path.join(dir, 'assets/lib/chart.ts'), 'utf8') + '\nexport const more = "a little more code in the chart"\n' })
    const r = await kiln(['build', '--report'], { cwd: dir, env: { CI: '' } })
    assert.is(r.code, 0, r.stderr)
    const url = `file://${path.join(dir, 'public/assets/report.html')}`
    for (const [width, height] of [[1280, 800], [375, 740]]) {
      const context = await browser.newContext({ viewport: { width, height } })
      const page = await context.newPage()
      const problems = []
      page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()) })
      page.on('pageerror', (e) => problems.push(String(e)))
      page.on('request', (req) => { if (req.url() !== url) problems.push(`request ${req.url()}`) })
      await page.goto(url)
      assert.equal(problems, [], `${width}: ${problems.join('; ')}`)
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${width}: no horizontal scrolling`)
      // The treemap: outputs first; Enter on the chart chunk shows its modules.
      const cells = await page.$$eval('#treemap button', (bs) => bs.map((b) => b.getAttribute('aria-label')))
      assert.ok(cells.some((l) => /^chunks\/chart-\w+\.js, \d+ B/.test(l)), cells.join(' | '))
      let focused = ''
      for (let i = 0; i < 30 && !focused.startsWith('chunks/chart-'); i++) {
        await page.keyboard.press('Tab')
        focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '')
      }
      assert.ok(focused.startsWith('chunks/chart-'), `reached by Tab: ${focused}`)
      await page.keyboard.press('Enter')
      const inside = await page.$$eval('#treemap button', (bs) => bs.map((b) => b.getAttribute('aria-label')))
      assert.ok(inside.some((l) => /^assets\/lib\/chart\.ts, \d+ B$/.test(l)), inside.join(' | '))
      assert.match(await page.textContent('#changes'), /app\.ts \(lazy\)/)
      // WCAG AA: every element that shows text has a contrast of at least 4.5:1 (3:1 for large
      // text) against the first opaque background behind it.
      const lowContrast = await page.evaluate(() => {
        const rgb = (c) => (c.match(/[\d.]+/g) ?? []).map(Number)
        const lum = ([r, g, b]) => [r, g, b].map((v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0)
        const background = (el) => {
          for (let e = el; e; e = e.parentElement) {
            const c = rgb(getComputedStyle(e).backgroundColor)
            if (c.length === 3 || c[3] > 0.99) return c.slice(0, 3)
          }
          return [255, 255, 255]
        }
        const bad = []
        for (const el of document.querySelectorAll('body *')) {
          const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())
          const style = getComputedStyle(el)
          if (!own || style.visibility === 'hidden' || style.display === 'none' || !el.getClientRects().length) continue
          const [a, b] = [lum(rgb(style.color).slice(0, 3)), lum(background(el))]
          const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)
          const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700)
          if (ratio < (large ? 3 : 4.5)) bad.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`)
        }
        return bad
      })
      assert.equal(lowContrast, [], `${width}: text below WCAG AA contrast`)
      const shot = await page.screenshot({ fullPage: true })
      const blank = await (await context.newPage()).screenshot()
      assert.ok(shot.length > blank.length * 2, 'the screenshot is not blank')
      await context.close()
    }
  } finally {
    await browser.close()
    remove(dir)
  }
})

html.run()
