// kiln-assets/serve over real HTTP on 127.0.0.1: headers, 304, HEAD, Range, encodings with
// q-values, methods, next(), traversal attempts, and no leaked file descriptors.
import fs from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import zlib from 'node:zlib'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { build } from '../dist/index.js'
import { serveAssets } from '../dist/runtime/serve.js'
import { manifestOf, remove, sampleApp, sri, write } from './helpers.mjs'

const OUT = 'public/assets'
const SECRET = 'TOP-SECRET-NOT-IN-MANIFEST'

/** A built app with precompressed variants of app.ts's file and files that must never be served. */
async function fixture() {
  const dir = sampleApp({ 'assets/big.bin': Buffer.alloc(4 * 1024 * 1024, 7) })
  await build({ cwd: dir, env: {} })
  const m = manifestOf(dir)
  const js = m.assets['app.ts']
  const bytes = fs.readFileSync(path.join(dir, OUT, js))
  for (const [ext, data] of [['.br', zlib.brotliCompressSync(bytes)], ['.gz', zlib.gzipSync(bytes)]]) {
    fs.writeFileSync(path.join(dir, OUT, js + ext), data)
    m.files[js + ext] = { integrity: sri(data), size: data.length }
  }
  fs.writeFileSync(path.join(dir, OUT, 'manifest.json'), JSON.stringify(m, null, 2))
  write(dir, { 'secret.txt': SECRET, [`${OUT}/unlisted.txt`]: SECRET, [`${OUT}/images/secret.txt`]: SECRET })
  return { dir, m, js, bytes }
}

async function withServer(handler, fn) {
  const server = http.createServer(handler)
  await new Promise((r) => server.listen(0, '127.0.0.1', r))
  try {
    return await fn(server.address().port, server)
  } finally {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
  }
}

function get(port, pathname, { method = 'GET', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method, headers, agent: false }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** A request written byte for byte, for targets an HTTP client would refuse or normalise. */
function raw(port, target, extra = '') {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${extra}\r\n`))
    const chunks = []
    socket.on('data', (c) => chunks.push(c))
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text })
    })
    socket.on('error', reject)
  })
}

const basics = suite('headers, HEAD, 304')

basics('should serve a listed file with immutable caching, ETag, type and length', async () => {
  const { dir, m } = await fixture()
  try {
    const file = m.assets['site.css']
    await withServer(serveAssets({ manifest: path.join(dir, OUT, 'manifest.json') }), async (port) => {
      const r = await get(port, `/assets/${file}`)
      assert.is(r.status, 200)
      assert.is(r.headers['cache-control'], 'public, max-age=31536000, immutable')
      assert.is(r.headers['content-type'], 'text/css; charset=utf-8')
      assert.is(r.headers.etag, `"${m.files[file].integrity}"`)
      assert.is(Number(r.headers['content-length']), m.files[file].size)
      assert.is(r.headers['access-control-allow-origin'], '*', 'CORS, for assets on another origin')
      assert.ok(r.body.equals(fs.readFileSync(path.join(dir, OUT, file))))
      const png = await get(port, `/assets/${m.assets['images/dot.png']}`)
      assert.is(png.headers['content-type'], 'image/png')
    })
  } finally {
    remove(dir)
  }
})

basics('should answer HEAD with the headers and no body', async () => {
  const { dir, m } = await fixture()
  try {
    const file = m.assets['site.css']
    await withServer(serveAssets({ dir: path.join(dir, OUT) }), async (port) => {
      const r = await get(port, `/assets/${file}`, { method: 'HEAD' })
      assert.is(r.status, 200)
      assert.is(Number(r.headers['content-length']), m.files[file].size)
      assert.is(r.body.length, 0)
    })
  } finally {
    remove(dir)
  }
})

basics('should answer 304 to a matching If-None-Match, strong, weak or in a list', async () => {
  const { dir, m } = await fixture()
  try {
    const file = m.assets['site.css']
    const etag = `"${m.files[file].integrity}"`
    await withServer(serveAssets({ dir: path.join(dir, OUT) }), async (port) => {
      for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const r = await get(port, `/assets/${file}`, { headers: { 'If-None-Match': inm } })
        assert.is(r.status, 304, inm)
        assert.is(r.body.length, 0)
        assert.is(r.headers.etag, etag)
      }
      assert.is((await get(port, `/assets/${file}`, { headers: { 'If-None-Match': '"other"' } })).status, 200)
    })
  } finally {
    remove(dir)
  }
})

basics('should serve under a query string, and under the prefix given', async () => {
  const { dir, m } = await fixture()
  try {
    const file = m.assets['site.css']
    await withServer(serveAssets({ dir: path.join(dir, OUT), prefix: '/static' }), async (port) => {
      assert.is((await get(port, `/static/${file}?v=1`)).status, 200)
      assert.is((await get(port, `/assets/${file}`)).status, 404)
    })
  } finally {
    remove(dir)
  }
})

basics.run()

const ranges = suite('Range')

ranges('should answer single ranges with 206, and 416 when unsatisfiable', async () => {
  const { dir, m } = await fixture()
  try {
    const file = m.assets['big.bin']
    const size = m.files[file].size
    await withServer(serveAssets({ dir: path.join(dir, OUT) }), async (port) => {
      const a = await get(port, `/assets/${file}`, { headers: { Range: 'bytes=0-9' } })
      assert.is(a.status, 206)
      assert.is(a.headers['content-range'], `bytes 0-9/${size}`)
      assert.is(a.body.length, 10)
      const b = await get(port, `/assets/${file}`, { headers: { Range: 'bytes=-5' } })
      assert.is(b.headers['content-range'], `bytes ${size - 5}-${size - 1}/${size}`)
      assert.is(b.body.length, 5)
      const c = await get(port, `/assets/${file}`, { headers: { Range: `bytes=${size - 3}-` } })
      assert.is(c.body.length, 3)
      const d = await get(port, `/assets/${file}`, { headers: { Range: `bytes=${size}-` } })
      assert.is(d.status, 416)
      assert.is(d.headers['content-range'], `bytes */${size}`)
      const e = await get(port, `/assets/${file}`, { headers: { Range: 'bytes=0-1,5-6' } })
      assert.is(e.status, 200, 'multiple ranges: the whole file')
      const f = await get(port, `/assets/${file}`, { headers: { Range: 'bytes=abc' } })
      assert.is(f.status, 200, 'a malformed range is ignored')
      const g = await get(port, `/assets/${file}`, { headers: { Range: 'bytes=0-9', 'If-Range': '"stale"' } })
      assert.is(g.status, 200, 'If-Range that does not match: the whole file')
      assert.is(g.body.length, size)
    })
  } finally {
    remove(dir)
  }
})

ranges.run()

const encodings = suite('precompressed variants')

encodings('should pick br or gzip by q-value, with Content-Encoding and Vary', async () => {
  const { dir, js, bytes } = await fixture()
  try {
    await withServer(serveAssets({ dir: path.join(dir, OUT) }), async (port) => {
      const cases = [
        ['gzip, deflate, br', 'br'],
        ['br;q=0.5, gzip', 'gzip'],
        ['br;q=0, gzip;q=0.1', 'gzip'],
        ['gzip;q=0, br;q=0', undefined],
        ['identity', undefined],
        ['*', 'br'],
        ['*;q=0.3, br;q=0', 'gzip'],
        ['', undefined],
        ['br;q=bogus, gzip', 'gzip'],
      ]
      for (const [accept, expected] of cases) {
        const r = await get(port, `/assets/${js}`, { headers: { 'Accept-Encoding': accept } })
        assert.is(r.status, 200)
        assert.is(r.headers['content-encoding'], expected, `Accept-Encoding: ${accept}`)
        assert.is(r.headers.vary, 'Accept-Encoding')
        const body = expected === 'br' ? zlib.brotliDecompressSync(r.body) : expected === 'gzip' ? zlib.gunzipSync(r.body) : r.body
        assert.ok(body.equals(bytes), accept)
      }
      const ranged = await get(port, `/assets/${js}`, { headers: { 'Accept-Encoding': 'br', Range: 'bytes=0-3' } })
      assert.is(ranged.headers['content-encoding'], undefined, 'ranges are served from the identity bytes')
      assert.ok(ranged.body.equals(bytes.subarray(0, 4)))
    })
  } finally {
    remove(dir)
  }
})

encodings.run()

const routing = suite('methods, next() and 404')

routing('should answer 405 for other methods on an asset, and pass anything else to next()', async () => {
  const { dir, m } = await fixture()
  try {
    const serve = serveAssets({ dir: path.join(dir, OUT) })
    const file = m.assets['site.css']
    await withServer((req, res) => serve(req, res, () => res.writeHead(418).end('next')), async (port) => {
      const post = await get(port, `/assets/${file}`, { method: 'POST' })
      assert.is(post.status, 405)
      assert.is(post.headers.allow, 'GET, HEAD')
      assert.is((await get(port, '/')).status, 418)
      assert.is((await get(port, '/assets/nope.css')).status, 418)
      assert.is((await get(port, '/assets/nope', { method: 'POST' })).status, 418)
    })
    await withServer(serve, async (port) => {
      assert.is((await get(port, '/assets/nope.css')).status, 404)
    })
  } finally {
    remove(dir)
  }
})

routing.run()

const traversal = suite('traversal attempts')

traversal('should never serve a byte of a file outside the manifest, whatever the encoding', async () => {
  const { dir, m } = await fixture()
  try {
    const listed = m.assets['images/dot.png']
    const targets = [
      '/assets/unlisted.txt', '/assets/manifest.json', '/assets/images/secret.txt',
      '/assets/../secret.txt', '/assets/../../secret.txt', '/assets/%2e%2e/secret.txt', '/assets/%2E%2E/%2E%2E/secret.txt',
      '/assets/..%2fsecret.txt', '/assets/%2e%2e%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/assets/images/..%2funlisted.txt',
      '/assets/..\\secret.txt', '/assets/..%5csecret.txt', '/assets/images%5c..%5c..%5csecret.txt',
      '/assets/unlisted.txt%00', `/assets/${listed}%00.txt`, '/assets/%00../secret.txt',
      '/assets/%252e%252e%252fsecret.txt', '/assets/%25252e%25252e/secret.txt',
      'http://127.0.0.1/assets/../secret.txt', 'http://evil.example/assets/unlisted.txt', '//assets/unlisted.txt',
      '/assets/' + 'a/'.repeat(5000) + 'x', '/assets/' + '..%2f'.repeat(2000) + 'etc/passwd',
      '/assets/%c0%ae%c0%ae/secret.txt', '/assets/%e0%80%ae%e0%80%ae/secret.txt', '/assets/%ff', '/assets/%',
      '/assets/./unlisted.txt', '/assets/images/./secret.txt', '/assets//unlisted.txt', '/assets/\u00ff',
    ]
    let nextCalls = 0
    const serve = serveAssets({ dir: path.join(dir, OUT) })
    await withServer((req, res) => serve(req, res, () => { nextCalls++; res.writeHead(404).end() }), async (port) => {
      for (const t of targets) {
        const r = await raw(port, t)
        assert.ok(r.status === 404 || r.status === 400 || r.status === 414 || r.status === 431, `${t.slice(0, 80)} → ${r.status}`)
        assert.not.ok(r.text.includes(SECRET), `${t.slice(0, 80)} leaked the secret`)
      }
      const ok = await raw(port, `/assets/${listed}`)
      assert.is(ok.status, 200, 'a listed file still serves')
    })
    assert.ok(nextCalls > 20, 'unknown paths went to next()')
  } finally {
    remove(dir)
  }
})

traversal.run()

const streams = suite('streaming')

const openFds = () => fs.readdirSync('/proc/self/fd').length

/** Open descriptors once closing has had up to a second to happen (sockets and streams close asynchronously). */
async function settledFds(baseline) {
  let fds = openFds()
  for (let i = 0; i < 50 && fds > baseline; i++) {
    await new Promise((r) => setTimeout(r, 20))
    fds = openFds()
  }
  return fds
}

streams('should not leak a file descriptor when the client aborts mid-download', async () => {
  const { dir, m } = await fixture()
  try {
    const file = m.assets['big.bin']
    await withServer(serveAssets({ dir: path.join(dir, OUT) }), async (port) => {
      await get(port, `/assets/${m.assets['site.css']}`)
      const baseline = openFds()
      for (let i = 0; i < 20; i++) {
        await new Promise((resolve) => {
          const req = http.get({ host: '127.0.0.1', port, path: `/assets/${file}`, agent: false }, (res) => {
            res.once('data', () => {
              req.destroy()
              resolve()
            })
          })
          req.on('error', resolve)
        })
      }
      const fds = await settledFds(baseline)
      assert.ok(fds <= baseline, `open fds ${fds} > baseline ${baseline}`)
    })
  } finally {
    remove(dir)
  }
})

streams('should not leak a file descriptor when the client is gone before its file is open', async () => {
  const { dir, m } = await fixture()
  try {
    const file = m.assets['big.bin']
    const handler = serveAssets({ dir: path.join(dir, OUT) })
    const sockets = new Set()
    // Between serve opening the file and sending it, the connection goes away: every time, by a hook.
    const real = fs.fstat
    fs.fstat = function (fd, ...rest) {
      for (const s of sockets) s.destroy()
      return real.call(this, fd, ...rest)
    }
    try {
      await withServer(handler, async (port, server) => {
        server.on('connection', (s) => sockets.add(s))
        await get(port, `/assets/${m.assets['site.css']}`).catch(() => {})
        const baseline = openFds()
        for (let i = 0; i < 20; i++) await get(port, `/assets/${file}`).catch(() => {})
        const fds = await settledFds(baseline)
        assert.ok(fds <= baseline, `open fds ${fds} > baseline ${baseline}`)
      })
    } finally {
      fs.fstat = real
    }
  } finally {
    remove(dir)
  }
})

streams.run()

const differs = suite('files that differ from the manifest')

/**
 * Requests written back to back on one keep-alive connection (the last with Connection:
 * close), and the responses as the client parses them: a body is what its Content-Length
 * says, so a body that lied swallows the next response.
 */
function pipelined(port, requests) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(requests.map(([method, target, extra = ''], i) => `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}${i === requests.length - 1 ? 'Connection: close\r\n' : ''}\r\n`).join(''))
    })
    const chunks = []
    // A safety net, not an assertion: a server waiting for a body it will never get is cut off.
    socket.setTimeout(5000, () => socket.destroy())
    socket.on('data', (c) => chunks.push(c))
    socket.on('close', () => {
      let rest = Buffer.concat(chunks)
      const responses = []
      while (rest.length) {
        const head = rest.indexOf('\r\n\r\n')
        if (head < 0) break
        const text = rest.subarray(0, head).toString('latin1')
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(text)?.[1] ?? 0)
        const bodyless = requests[responses.length]?.[0] === 'HEAD' || status === 304
        const body = bodyless ? Buffer.alloc(0) : rest.subarray(head + 4, head + 4 + length)
        responses.push({ status, length, body, complete: bodyless || body.length === length })
        rest = rest.subarray(head + 4 + body.length)
      }
      resolve(responses)
    })
    socket.on('error', reject)
  })
}

differs('should answer 500 and log, never a wrong Content-Length, for a listed file shorter or longer on disk', async () => {
  const { dir, m, js } = await fixture()
  try {
    const css = m.assets['site.css']
    const svg = m.assets['images/logo.svg']
    const cssBytes = fs.readFileSync(path.join(dir, OUT, css))
    fs.writeFileSync(path.join(dir, OUT, js), 'short')
    fs.appendFileSync(path.join(dir, OUT, svg), '<!-- appended after the build -->')
    const logs = []
    await withServer(serveAssets({ dir: path.join(dir, OUT), log: (line) => logs.push(line) }), async (port) => {
      const rs = await pipelined(port, [['GET', `/assets/${js}`], ['HEAD', `/assets/${js}`], ['GET', `/assets/${svg}`], ['GET', `/assets/${css}`]])
      assert.equal(rs.map((r) => r.status), [500, 500, 500, 200])
      assert.ok(rs.every((r) => r.complete), 'every body is exactly its Content-Length')
      assert.equal(rs[3].body, cssBytes, 'the response after them is intact')
      assert.is(logs.length, 3)
      assert.match(logs[0], `${path.join(dir, OUT, js)} is 5 bytes, but the manifest says ${m.files[js].size} bytes; answered 500`)
      assert.match(logs[0], 'kiln verify')
    })
  } finally {
    remove(dir)
  }
})

differs('should answer 500 for a precompressed variant that is shorter on disk, and serve identity to clients that take it', async () => {
  const { dir, m, js, bytes } = await fixture()
  try {
    fs.writeFileSync(path.join(dir, OUT, `${js}.br`), 'x')
    const logs = []
    await withServer(serveAssets({ dir: path.join(dir, OUT), log: (line) => logs.push(line) }), async (port) => {
      const [br, plain] = await pipelined(port, [['GET', `/assets/${js}`, 'Accept-Encoding: br\r\n'], ['GET', `/assets/${js}`]])
      assert.is(br.status, 500)
      assert.ok(br.complete && br.body.length === 0)
      assert.match(logs[0], `${js}.br is 1 bytes, but the manifest says ${m.files[`${js}.br`].size} bytes`)
      assert.is(plain?.status, 200)
      assert.equal(plain.body, bytes)
    })
  } finally {
    remove(dir)
  }
})

differs('should close the connection, not reuse it, when a file shrinks while it is being sent', async () => {
  const { dir, m } = await fixture()
  try {
    const big = m.assets['big.bin']
    const abs = path.join(dir, OUT, big)
    // The file is truncated after serve checked its size, just as reading starts: a hook, not a race.
    const real = fs.createReadStream
    fs.createReadStream = function (...args) {
      fs.truncateSync(abs, 1000)
      fs.createReadStream = real
      return real.apply(this, args)
    }
    try {
      await withServer(serveAssets({ dir: path.join(dir, OUT), log: () => {} }), async (port) => {
        const rs = await pipelined(port, [['GET', `/assets/${big}`], ['GET', `/assets/${m.assets['site.css']}`]])
        assert.is(rs.length, 1, 'nothing after the short body was sent on that connection')
        assert.is(rs[0].status, 200)
        assert.is(rs[0].length, m.files[big].size)
        assert.not.ok(rs[0].complete, 'the client sees a cut-off body')
        assert.not.ok(rs[0].body.includes('HTTP/1.1'), 'no response leaked into the body')
      })
    } finally {
      fs.createReadStream = real
    }
  } finally {
    remove(dir)
  }
})

differs.run()
