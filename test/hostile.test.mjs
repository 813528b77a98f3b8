// Serve hardening: hundreds of hostile requests over raw sockets (traversal in every
// encoding, overlong UTF-8, NUL bytes, backslashes, very long paths, malformed Range and
// Accept-Encoding, huge headers, odd methods) never get a byte of a file outside the
// manifest and never crash the server; then a load test on 127.0.0.1 with 200 keep-alive
// connections: zero errors, and file descriptors and memory back to their baseline.
import { fork } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import autocannon from 'autocannon'
import { build } from '../dist/index.js'
import { assetOf, manifestOf, remove, sampleApp, write, REPO } from './helpers.mjs'

const OUT = 'public/assets'
const SECRET = 'HOSTILE-SECRET-7f3a'
const LOAD_SECONDS = process.env.KILN_FULL_TESTS === '1' ? 10 : 4

async function fixture() {
  const dir = sampleApp({ 'assets/data/big.json': JSON.stringify(Array.from({ length: 3000 }, (_, i) => ({ i, s: 'kiln '.repeat(5) }))) })
  await build({ cwd: dir, env: {} })
  write(dir, { 'secret.txt': SECRET, [`${OUT}/unlisted.txt`]: SECRET, [`${OUT}/images/secret.txt`]: SECRET, 'etc/passwd': SECRET })
  return dir
}

/** The server in its own process, so its descriptors and memory can be measured alone. */
function startServer(dir) {
  const script = path.join(dir, 'server.mjs')
  fs.writeFileSync(script, `
    import fs from 'node:fs'
    import http from 'node:http'
    import { serveAssets } from ${JSON.stringify(path.join(REPO, 'dist/runtime/serve.js'))}
    const serve = serveAssets({ dir: ${JSON.stringify(path.join(dir, OUT))}, env: {} })
    const server = http.createServer((req, res) => serve(req, res, () => { res.writeHead(404, { 'content-length': 0 }); res.end() }))
    server.keepAliveTimeout = 1000
    server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }))
    process.on('message', (m) => {
      if (m !== 'stats') return
      globalThis.gc()
      process.send({ fds: fs.readdirSync('/proc/self/fd').length, heap: process.memoryUsage().heapUsed })
    })
  `)
  const child = fork(script, [], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  return new Promise((resolve) => child.once('message', (m) => resolve({ child, port: m.port })))
}

const stats = (child) => new Promise((resolve) => {
  child.once('message', resolve)
  child.send('stats')
})

function raw(port, request) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request))
    const chunks = []
    socket.setTimeout(5000, () => socket.destroy())
    socket.on('data', (c) => chunks.push(c))
    socket.on('error', () => {})
    socket.on('close', () => resolve(Buffer.concat(chunks)))
  })
}

/** Every hostile request, as raw HTTP/1.1 text. */
function hostileRequests(m) {
  const listed = m.assets['images/logo.svg']
  const json = m.assets['data/big.json']
  const dot = ['..', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%252e%252e', '%c0%ae%c0%ae', '%e0%80%ae%e0%80%ae', '%c0%2e%c0%2e', '..%00', '%00..']
  const slash = ['/', '%2f', '%2F', '%252f', '\\', '%5c', '%5C', '%c0%af', '%e0%80%af']
  const targets = []
  for (const d of dot) for (const s of slash) for (const t of ['secret.txt', 'etc/passwd', `${OUT}/unlisted.txt`.replace(/\//g, s)]) targets.push(`/assets/${d}${s}${d}${s}${t}`)
  targets.push('/assets/unlisted.txt', '/assets/images/secret.txt', '/assets/images/../unlisted.txt', '/assets/images%2f..%2funlisted.txt', `/assets/${listed}%00`, `/assets/${listed}/..`,
    `/assets/${listed}/../../secret.txt`, '/assets/manifest.json', '/assets/./unlisted.txt', '/assets//unlisted.txt', '/assets/%', '/assets/%zz', '/assets/%ff%fe', '/assets/\u00ff'.normalize(),
    'http://127.0.0.1/assets/../secret.txt', 'http://evil.example/assets/unlisted.txt', '//assets/unlisted.txt', '*', 'assets/unlisted.txt', '/assets/' + 'a/'.repeat(3000) + 'x', '/assets/' + '..%2f'.repeat(1500) + 'secret.txt')
  const requests = targets.map((t) => `GET ${t} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`)
  for (const range of ['bytes=', 'bytes=-', 'bytes=5-1', 'bytes=a-b', 'bytes=99999999999999999999-', 'bytes=-99999999999999999999', Array(2000).fill('0-0').join(','), 'items=0-5', 'bytes=0-5\r\nRange: bytes=6-7', 'bytes=--1', 'bytes=0x10-']) {
    requests.push(`GET /assets/${json} HTTP/1.1\r\nHost: x\r\nRange: ${range}\r\nConnection: close\r\n\r\n`)
  }
  for (const ae of ['br;q=', ';;;', 'br;q=NaN', 'gzip;q=-1', '*;q=2', 'br;q=1e309', ','.repeat(10000), 'br'.repeat(5000), 'identity;q=0, *;q=0', 'gzip;q=0.0001']) {
    requests.push(`GET /assets/${json} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: ${ae}\r\nConnection: close\r\n\r\n`)
  }
  for (const method of ['PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'PROPFIND', 'FOO', 'CONNECT', 'POST']) {
    requests.push(`${method} /assets/${listed} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`, `${method} /assets/../secret.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
  }
  requests.push(`GET /assets/${listed} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\nConnection: close\r\n\r\n`)
  requests.push(`GET /assets/${listed} HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\nConnection: close\r\n\r\n`)
  requests.push(`GET /assets/${listed} HTTP/1.0\r\n\r\n`, `GET /assets/${listed}\r\n\r\n`, 'GARBAGE\r\n\r\n', '\r\n\r\n\r\n', `GET /assets/${listed} HTTP/1.1\r\nHost: x\r\nIf-None-Match: ${'"x",'.repeat(5000)}\r\nConnection: close\r\n\r\n`)
  requests.push(`GET /assets/${listed} HTTP/1.1\r\nHost: x\r\n\r\nGET /assets/../secret.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /assets/unlisted.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
  return requests
}

const hostile = suite('hostile requests')

hostile('should never serve a byte outside the manifest, nor crash, over hundreds of hostile requests', async () => {
  const dir = await fixture()
  const { child, port } = await startServer(dir)
  try {
    const m = manifestOf(dir)
    const requests = hostileRequests(m)
    assert.ok(requests.length >= 200, `${requests.length} requests`)
    let served = 0
    for (const req of requests) {
      const res = await raw(port, req)
      assert.not.ok(res.includes(SECRET), `leaked: ${req.slice(0, 120)}`)
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(res.toString('latin1'))?.[1] ?? 0)
      if (status === 200 || status === 206 || status === 304) served++
    }
    const ok = await raw(port, `GET /assets/${m.assets['images/logo.svg']} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
    assert.match(ok.toString('latin1'), /^HTTP\/1\.1 200 /, 'still serving after all of them')
    assert.is(child.exitCode, null, 'the server process is alive')
    console.log(`  hostile requests: ${requests.length} sent, ${served} answered with a listed file, 0 leaks, 0 crashes`)
  } finally {
    child.kill()
    remove(dir)
  }
})

hostile('should hold 200 keep-alive connections with zero errors and return to its baseline', async () => {
  const dir = await fixture()
  const { child, port } = await startServer(dir)
  try {
    const m = manifestOf(dir)
    const json = assetOf(m, 'data/big.json')
    const requests = [
      { path: `/assets/${m.assets['images/logo.svg']}` },
      { path: `/assets/${json.file}`, headers: { 'accept-encoding': 'br, gzip' } },
      { path: `/assets/${json.file}`, headers: { range: 'bytes=100-999' } },
      { path: `/assets/${m.assets['site.css']}`, headers: { 'if-none-match': `"${assetOf(m, 'site.css').integrity}"` } },
      { path: '/assets/nope.js' },
    ]
    await autocannon({ url: `http://127.0.0.1:${port}`, connections: 10, amount: 200, requests })
    await new Promise((r) => setTimeout(r, 1500))
    const before = await stats(child)
    const result = await autocannon({ url: `http://127.0.0.1:${port}`, connections: 200, duration: LOAD_SECONDS, requests })
    assert.is(result.errors, 0, 'no connection errors')
    assert.is(result.timeouts, 0)
    assert.ok(result['2xx'] > result.requests.total / 2, 'most requests served (the rest: 304s and the deliberate 404)')
    assert.ok(result.requests.total > 1000, `${result.requests.total} requests`)
    await new Promise((r) => setTimeout(r, 2000))
    const after = await stats(child)
    assert.ok(after.fds <= before.fds + 2, `descriptors ${before.fds} → ${after.fds}`)
    assert.ok(after.heap <= before.heap * 1.5 + 4 * 1024 * 1024, `heap ${(before.heap / 1e6).toFixed(1)} MB → ${(after.heap / 1e6).toFixed(1)} MB`)
    console.log(`  load: 200 connections, ${LOAD_SECONDS} s, ${result.requests.total} requests (${Math.round(result.requests.average)}/s), ${result.errors} errors; fds ${before.fds} → ${after.fds}; heap ${(before.heap / 1e6).toFixed(1)} → ${(after.heap / 1e6).toFixed(1)} MB`)
  } finally {
    child.kill()
    remove(dir)
  }
})

hostile.run()
