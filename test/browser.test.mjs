// End to end in a real browser: the example app built by Kiln, rendered with kiln-assets/runtime
// and served by kiln-assets/serve on 127.0.0.1, loaded in headless Chromium (Debian's, driven by
// playwright-core). Then again with ASSET_HOST pointing at a second server (the CDN case).
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { build } from '../dist/index.js'
import { serveAssets } from '../dist/runtime/serve.js'
import { chromiumAvailable, launchChromium, listen } from './browser-helpers.mjs'
import { project, remove, REPO } from './helpers.mjs'

/** Loads the page, runs the lazy chunk, and returns what the browser saw. */
async function visit(browser, url) {
  const context = await browser.newContext()
  const page = await context.newPage()
  const problems = []
  const assetResponses = []
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`))
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
  page.on('requestfailed', (r) => problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`))
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`)
    if (new URL(r.url()).pathname.startsWith('/assets/')) assetResponses.push({ url: r.url(), status: r.status(), cacheControl: r.headers()['cache-control'] })
  })
  try {
    await page.goto(url)
    await page.waitForFunction(() => document.documentElement.dataset.app === 'ready')
    await page.evaluate(() => document.fonts.ready)
    await page.click('#load-chart')
    await page.waitForSelector('[data-chart="drawn"]')
    const seen = await page.evaluate(async () => ({
      font: document.fonts.check('16px "Kiln Sans"') && [...document.fonts].some((f) => f.family.replace(/"/g, '') === 'Kiln Sans' && f.status === 'loaded'),
      logo: document.querySelector('img.logo')?.naturalWidth ?? 0,
      hero: document.querySelector('#hero')?.naturalWidth ?? 0,
      bodyFont: getComputedStyle(document.body).fontFamily,
      bars: document.querySelectorAll('.chart .bar').length,
      barBackground: getComputedStyle(document.querySelector('.chart .bar')).backgroundImage,
      tags: [...document.querySelectorAll('script[src], link[rel=stylesheet], link[rel=modulepreload]')].map((e) => ({ url: e.src || e.href, integrity: e.integrity, crossorigin: e.crossOrigin })),
    }))
    await page.reload()
    await page.waitForFunction(() => document.documentElement.dataset.app === 'ready')
    return { seen, problems, assetResponses }
  } finally {
    await context.close()
  }
}

function check(result, assetOrigin) {
  const { seen, problems, assetResponses } = result
  assert.equal(problems, [], 'no console errors, page errors or failed requests (an SRI failure is all three)')
  assert.ok(seen.font, 'the web font loaded')
  assert.ok(seen.logo > 0 && seen.hero > 0, 'the images loaded')
  assert.match(seen.bodyFont, 'Kiln Sans')
  assert.is(seen.bars, 4, 'the lazy chunk ran')
  assert.match(seen.barBackground, /url\(".+\/images\/bar-[A-Z2-7]{8}\.svg"\)/)
  assert.ok(seen.tags.length >= 4)
  for (const t of seen.tags) {
    assert.match(t.integrity, /^sha384-/, `${t.url} has an integrity attribute`)
    assert.is(t.crossorigin, 'anonymous')
    assert.ok(t.url.startsWith(`${assetOrigin}/assets/`), `${t.url} comes from ${assetOrigin}`)
  }
  const kinds = ['.js', '.css', '.woff2', '.png', '.svg']
  for (const k of kinds) assert.ok(assetResponses.some((r) => new URL(r.url).pathname.endsWith(k)), `a ${k} was fetched`)
  assert.ok(assetResponses.some((r) => /\/chunks\/chart-/.test(r.url)), 'the lazy chunk was fetched')
  for (const r of assetResponses) {
    assert.ok(r.status === 200 || r.status === 304, `${r.url} → ${r.status}`)
    assert.is(r.cacheControl, 'public, max-age=31536000, immutable', r.url)
  }
}

const e2e = suite('the example app in headless Chromium')

e2e('should render, load the lazy chunk, font and images with SRI, same origin and behind a CDN host', async () => {
  if (!chromiumAvailable()) return
  const dir = project({})
  const servers = []
  const browser = await launchChromium()
  try {
    fs.cpSync(path.join(REPO, 'templates/example/assets'), path.join(dir, 'assets'), { recursive: true })
    await build({ cwd: dir, env: {} })
    const manifest = path.join(dir, 'public/assets/manifest.json')
    const { createApp } = await import('../templates/example/server.mjs')

    const app = await listen(createApp({ manifest, env: {} }))
    servers.push(app.server)
    check(await visit(browser, `${app.origin}/`), app.origin)

    const cdn = await listen(serveAssets({ manifest, env: {} }))
    servers.push(cdn.server)
    const behindCdn = await listen(createApp({ manifest, env: { ASSET_HOST: cdn.origin } }))
    servers.push(behindCdn.server)
    const result = await visit(browser, `${behindCdn.origin}/`)
    check(result, cdn.origin)
    assert.ok(result.assetResponses.some((r) => r.url.startsWith(cdn.origin) && r.url.endsWith('.woff2')), 'the font came from the CDN origin (CORS)')
  } finally {
    await browser.close()
    for (const s of servers) {
      s.closeAllConnections()
      s.close()
    }
    remove(dir)
  }
})

e2e.run()
