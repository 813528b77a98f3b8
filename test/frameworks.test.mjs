// The documented ways in: the example app on node:http, Express (app.locals.assets) and
// Fastify (a decorator), each a real server on 127.0.0.1 rendering tags() and serving assets.
import http from 'node:http'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import express from 'express'
import Fastify from 'fastify'
import { build } from '../dist/index.js'
import { loadManifest } from '../dist/runtime/index.js'
import { serveAssets } from '../dist/runtime/serve.js'
import { remove, sampleApp, project, REPO } from './helpers.mjs'
import fs from 'node:fs'

async function builtApp() {
  const dir = sampleApp()
  await build({ cwd: dir, env: {} })
  return { dir, manifest: path.join(dir, 'public/assets/manifest.json') }
}

async function listen(server) {
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  return server.address().port
}

/** Fetches the page, then every asset its tags name; each must be 200 and immutable. */
async function checkPage(base) {
  const page = await fetch(`${base}/`)
  assert.is(page.status, 200)
  const html = await page.text()
  const urls = [...html.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1])
  assert.ok(urls.length >= 3, html)
  for (const u of urls) {
    const r = await fetch(new URL(u, base))
    assert.is(r.status, 200, u)
    assert.is(r.headers.get('cache-control'), 'public, max-age=31536000, immutable')
    await r.arrayBuffer()
  }
  return html
}

const frameworks = suite('framework usage')

frameworks('should render and serve the example app on plain node:http', async () => {
  const dir = project({})
  try {
    fs.cpSync(path.join(REPO, 'templates/example/assets'), path.join(dir, 'assets'), { recursive: true })
    await build({ cwd: dir, env: {} })
    const { createApp } = await import('../templates/example/server.mjs')
    const server = http.createServer(createApp({ manifest: path.join(dir, 'public/assets/manifest.json'), env: {} }))
    const port = await listen(server)
    try {
      const html = await checkPage(`http://127.0.0.1:${port}`)
      assert.match(html, /<script type="module" src="\/assets\/app-[A-Z2-7]{8}\.js" integrity="sha384-/)
      assert.is((await fetch(`http://127.0.0.1:${port}/missing`)).status, 404)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  } finally {
    remove(dir)
  }
})

frameworks('should work in Express with app.locals.assets and app.use(serveAssets())', async () => {
  const { dir, manifest } = await builtApp()
  try {
    const app = express()
    app.locals.assets = loadManifest(manifest, { env: {} })
    app.use(serveAssets({ manifest, env: {} }))
    app.get('/', (req, res) => res.send(`<!doctype html>${req.app.locals.assets.tags('site.css')}${req.app.locals.assets.tags('app.ts')}`))
    const server = http.createServer(app)
    const port = await listen(server)
    try {
      await checkPage(`http://127.0.0.1:${port}`)
      assert.is((await fetch(`http://127.0.0.1:${port}/assets/nope.js`)).status, 404, 'unknown assets fall through to Express')
    } finally {
      server.closeAllConnections()
      server.close()
    }
  } finally {
    remove(dir)
  }
})

frameworks('should work in Fastify with a decorator and a hijacked route', async () => {
  const { dir, manifest } = await builtApp()
  const app = Fastify()
  try {
    app.decorate('assets', loadManifest(manifest, { env: {} }))
    const serve = serveAssets({ manifest, env: {} })
    app.get('/assets/*', (req, reply) => {
      reply.hijack()
      serve(req.raw, reply.raw, () => reply.raw.writeHead(404).end())
    })
    app.get('/', (req, reply) => reply.type('text/html').send(`<!doctype html>${app.assets.tags('site.css')}${app.assets.tags('app.ts')}`))
    await app.listen({ port: 0, host: '127.0.0.1' })
    const base = `http://127.0.0.1:${app.server.address().port}`
    await checkPage(base)
    const head = await fetch(`${base}${app.assets.url('site.css')}`, { method: 'HEAD' })
    assert.is(head.status, 200)
  } finally {
    await app.close()
    remove(dir)
  }
})

frameworks.run()
