// kiln publish against a real Ceph RADOS Gateway (test/s3/): the CLI as a child process, a
// fresh bucket per suite. Skips (one line why) when RGW cannot start here; KILN_REQUIRE_S3=1
// makes that a failure.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { spawn } from 'node:child_process'
import { assetOf, BIN, REPO, kiln, manifestOf, project, remove, sampleApp, write } from './helpers.mjs'
import { startRgw } from './s3/rgw.mjs'

const s3 = await startRgw('publish.test.mjs (kiln publish against Ceph RGW)')
const OUT = 'public/assets'

/** An app: two entries, `count` static files, compressible text and (big) one file over the 16 MiB multipart size. */
function makeApp(seed, count, big) {
  const files = {
    'assets/app.ts': `import './app.css'\nexport const big = ${JSON.stringify('x'.repeat(4000) + seed)}\nconsole.log(big)\n`,
    'assets/app.css': `body { background: url(images/s0.svg) }\n${'.c { color: red }\n'.repeat(200)}`,
    ...(big ? { 'assets/blob.bin': crypto.randomBytes(17 * 1024 * 1024) } : {}),
  }
  for (let i = 0; i < count; i++) files[`assets/images/s${i}.svg`] = `<svg xmlns="http://www.w3.org/2000/svg"><!-- ${seed} ${i} ${'p'.repeat(i % 50)} --></svg>`
  return project(files, 'kiln-pub-')
}

async function build(dir) {
  const r = await kiln(['build', '--quiet'], { cwd: dir })
  assert.is(r.code, 0, r.stderr)
}

const publish = (dir, args, env = s3.env) => kiln(['publish', ...args, '--json'], { cwd: dir, env }).then((r) => ({ ...r, json: r.stdout ? JSON.parse(r.stdout) : null }))

function localKeys(dir, prefix) {
  const keys = []
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else keys.push(`${prefix}/${path.relative(path.join(dir, OUT), p).split(path.sep).join('/')}`)
    }
  }
  walk(path.join(dir, OUT))
  return keys
}

function md5(buf) {
  return crypto.createHash('md5').update(buf).digest('hex')
}

const timings = {}
/** The 1,500-file app (cold, re-publish, one-file change) and a small one for the rest. */
let app = null
let small = null
let coldBucket = null

// ---------------------------------------------------------------------------------------
const Lazy = suite('publish: loaded only by kiln publish')
Lazy('should keep src/remote out of the build and the runtime (cli.js for publish and build.js for a configured remote cache import it, lazily)', () => {
  const dist = path.join(REPO, 'dist')
  const importers = []
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      // cli.cjs bundles cli.js and everything it imports (src/tools/build-cli.ts): what it loads is checked by running it, below.
      if (e.isDirectory()) { if (e.name !== 'remote') walk(p) } else if (/\.c?js$/.test(e.name) && e.name !== 'cli.cjs' && /remote\/|aws4fetch/.test(fs.readFileSync(p, 'utf8'))) importers.push(path.relative(dist, p))
    }
  }
  walk(dist)
  assert.equal(importers.sort(), ['build.js', 'cli.js'])
  const cli = fs.readFileSync(path.join(dist, 'cli.js'), 'utf8')
  assert.not.match(cli, /^import[^\n]*remote\//m)
  assert.match(cli, "await import('./remote/publish.js')")
  const build = fs.readFileSync(path.join(dist, 'build.js'), 'utf8')
  assert.not.match(build, /^import[^\n]*remote\//m)
  assert.match(build, /if \(config\.cache\.remote\)\s*\{?\s*cache\.remote = \(await import\('\.\/remote\/remote-cache\.js'\)\)/, 'only when a remote cache is configured')
})

Lazy('should not load the S3 client in kiln build, cold or no-op (the bundled CLI, run)', async () => {
  const dir = sampleApp()
  try {
    const probe = path.join(dir, 'probe.mjs')
    fs.writeFileSync(probe, `import fs from 'node:fs'
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
process.on('exit', () => fs.appendFileSync(process.env.PROBE_LOG, Object.keys(require.cache).filter((k) => /aws4fetch|[\\/]remote[\\/]/.test(k)).join(',') + '\\n'))
`)
    const log = path.join(dir, 'probe.log')
    for (let i = 0; i < 2; i++) {
      const r = await kiln(['build'], { cwd: dir, env: { NODE_OPTIONS: `--import ${pathToFileURL(probe).href}`, PROBE_LOG: log } })
      assert.is(r.code, 0, r.stderr)
    }
    assert.equal(fs.readFileSync(log, 'utf8'), '\n\n', 'nothing of the S3 client or src/remote loaded, cold or no-op')
  } finally {
    remove(dir)
  }
})
Lazy.run()

// ---------------------------------------------------------------------------------------
// A throwaway in-process fake, only for fault injection (retries); the rest runs against RGW.
function fakeS3(fail) {
  const objects = new Map()
  const attempts = new Map()
  const puts = []
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const url = new URL(req.url, 'http://x')
      const key = decodeURIComponent(url.pathname).split('/').slice(2).join('/')
      if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
        res.end(`<ListBucketResult><IsTruncated>false</IsTruncated>${[...objects].map(([k, o]) => `<Contents><Key>${k}</Key><Size>${o.body.length}</Size><ETag>&quot;${o.etag}&quot;</ETag></Contents>`).join('')}</ListBucketResult>`)
        return
      }
      if (req.method !== 'PUT') return res.writeHead(501).end()
      const n = (attempts.get(key) ?? 0) + 1
      attempts.set(key, n)
      puts.push({ key, headers: req.headers })
      const status = fail(key, n)
      if (status) return res.writeHead(status).end(`<Error><Code>${status === 503 ? 'SlowDown' : 'InternalError'}</Code></Error>`)
      const body = Buffer.concat(chunks)
      if (crypto.createHash('md5').update(body).digest('base64') !== req.headers['content-md5']) return res.writeHead(400).end('<Error><Code>BadDigest</Code></Error>')
      if (req.headers['if-none-match'] === '*' && objects.has(key)) return res.writeHead(412).end()
      const etag = md5(body)
      objects.set(key, { body, etag })
      res.writeHead(200, { ETag: `"${etag}"` }).end()
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, objects, attempts, puts, env: { AWS_ENDPOINT_URL: `http://127.0.0.1:${server.address().port}`, AWS_ACCESS_KEY_ID: 'AKFAKE', AWS_SECRET_ACCESS_KEY: 'fakesecretKILN', AWS_REGION: 'us-east-1' } })))
}

const Retries = suite('publish: retries (fault injection, in-process fake)')
Retries('should retry a throttled or failing PUT with backoff and still finish', async () => {
  const dir = sampleApp()
  const fake = await fakeS3((key, n) => (n === 1 ? (key.endsWith('.map') ? 500 : 503) : 0))
  try {
    await build(dir)
    const r = await publish(dir, ['s3://bkt/p'], fake.env)
    assert.is(r.code, 0, r.stderr)
    assert.is(fake.objects.size, r.json.files)
    for (const [key, n] of fake.attempts) assert.is(n, 2, key)
    for (const p of fake.puts) assert.ok(p.headers['cache-control'], `${p.key} had no Cache-Control`)
  } finally {
    fake.server.close()
    remove(dir)
  }
})
Retries('should give up after the retries, leave the manifest unwritten and say to run it again', async () => {
  const dir = sampleApp()
  const fake = await fakeS3((key) => (key.endsWith('.svg') ? 500 : 0))
  try {
    await build(dir)
    const r = await kiln(['publish', 's3://bkt/p'], { cwd: dir, env: fake.env })
    assert.is(r.code, 1)
    assert.match(r.stderr, /HTTP 500 InternalError/)
    assert.not.ok(fake.objects.has('p/manifest.json'))
    assert.ok([...fake.attempts.values()].some((n) => n === 6), 'one try and 5 retries')
  } finally {
    fake.server.close()
    remove(dir)
  }
})
Retries.run()

// ---------------------------------------------------------------------------------------
const Cold = suite('publish: cold, then again')
Cold.before(async () => {
  if (!s3) return
  app = makeApp('a', 1500, true)
  small = makeApp('s', 150, false)
  await build(app)
  await build(small)
})

Cold('should upload every file cold, then only LIST on a re-publish (0 uploads)', async () => {
  if (!s3) return
  const bucket = (coldBucket = await s3.bucket())
  let t = performance.now()
  const cold = await publish(app, [`s3://${bucket}/assets`])
  timings.cold = performance.now() - t
  assert.is(cold.code, 0, cold.stderr)
  const keys = localKeys(app, 'assets')
  assert.ok(cold.json.files >= 1500, `only ${cold.json.files} files`)
  assert.is(cold.json.uploaded.length, cold.json.files)
  const there = await s3.list(bucket)
  for (const k of keys) assert.ok(there.has(k), `${k} was not published`)
  assert.is(cold.json.uploaded.at(-1), 'assets/manifest.json', 'the manifest goes last')
  // Single-part keys carry the file's MD5; the 17 MiB one a multipart ETag we can predict.
  const m = manifestOf(app)
  const blob = m.assets['blob.bin']
  assert.match(there.get(`assets/${blob}`).etag, /-2$/)
  t = performance.now()
  const again = await publish(app, [`s3://${bucket}/assets`])
  timings.republish = performance.now() - t
  assert.is(again.code, 0, again.stderr)
  assert.equal(again.json.uploaded, [])
  assert.is(again.json.skipped, cold.json.files)
  console.log(`  publish of ${cold.json.files} files (${(cold.json.bytes / 1048576).toFixed(1)} MiB) to RGW: cold ${(timings.cold / 1000).toFixed(1)} s, re-publish ${(timings.republish / 1000).toFixed(1)} s`)
})

Cold.run()

// ---------------------------------------------------------------------------------------
const Headers = suite('publish: headers on each key')
Headers('should set Cache-Control, Content-Type and Content-Encoding on what it uploads', async () => {
  if (!s3) return
  const bucket = await s3.bucket()
  assert.is((await publish(small, [`s3://${bucket}/p`])).code, 0)
  const m = manifestOf(small)
  const js = assetOf(m, 'app.ts')
  const head = async (k) => (await s3.req('HEAD', `${bucket}/p/${k}`)).headers
  const h = await head(js.file)
  assert.is(h.get('cache-control'), 'public, max-age=31536000, immutable')
  assert.is(h.get('content-type'), 'text/javascript')
  const man = await head('manifest.json')
  assert.is(man.get('cache-control'), 'no-cache')
  assert.is(man.get('content-type'), 'application/json')
  const br = js.encodings?.br
  assert.ok(br, 'the JS entry has a .br variant')
  const v = await head(br)
  assert.is(v.get('content-encoding'), 'br')
  assert.is(v.get('content-type'), 'text/javascript')
  const none = await s3.bucket()
  const r = await publish(small, [`s3://${none}/p`, '--no-variants'])
  assert.is(r.code, 0, r.stderr)
  assert.not.ok((await s3.list(none)).has(`p/${br.file}`))
})
Headers.run()

// ---------------------------------------------------------------------------------------
const Change = suite('publish: a one-file change')
Change('should upload exactly the new files and the manifests after one file changes', async () => {
  if (!s3) return
  // The bucket the cold publish filled (or a new one when that suite did not run).
  const bucket = coldBucket ?? (await s3.bucket())
  if (!coldBucket) assert.is((await publish(app, [`s3://${bucket}/assets`])).code, 0)
  const before = manifestOf(app)
  write(app, { 'assets/images/s7.svg': '<svg xmlns="http://www.w3.org/2000/svg"><!-- changed --></svg>' })
  await build(app)
  const after = manifestOf(app)
  const newFiles = Object.keys(after.files).filter((f) => !before.files[f])
  assert.ok(newFiles.length >= 1 && newFiles.every((f) => f.startsWith('images/s7-')), newFiles.join(' '))
  const history = fs.readdirSync(path.join(app, OUT, 'manifests')).find((f) => fs.readFileSync(path.join(app, OUT, 'manifests', f), 'utf8') === fs.readFileSync(path.join(app, OUT, 'manifest.json'), 'utf8'))
  const r = await publish(app, [`s3://${bucket}/assets`])
  assert.is(r.code, 0, r.stderr)
  assert.equal([...r.json.uploaded].sort(), [...newFiles.map((f) => `assets/${f}`), 'assets/manifest.json', `assets/manifests/${history}`].sort())
  assert.is(r.json.uploaded.at(-1), 'assets/manifest.json')
})
Change.run()

// ---------------------------------------------------------------------------------------
const Refuse = suite('publish: a key with other bytes')
Refuse('should refuse, overwrite nothing and exit 1 when a key holds other bytes', async () => {
  if (!s3) return
  const bucket = await s3.bucket()
  const m = manifestOf(small)
  const victim = m.assets['app.ts']
  const planted = Buffer.from('not what kiln built')
  assert.is((await s3.req('PUT', `${bucket}/r/${victim}`, { body: planted })).status, 200)
  const r = await kiln(['publish', `s3://${bucket}/r`], { cwd: small, env: s3.env })
  assert.is(r.code, 1)
  assert.match(r.stderr, `r/${victim}`)
  assert.match(r.stderr, /nothing was overwritten/)
  const there = await s3.list(bucket)
  assert.is(there.get(`r/${victim}`).etag, md5(planted))
  assert.is(there.size, 1, 'nothing else was uploaded')
})
Refuse.run()

// ---------------------------------------------------------------------------------------
const DryRun = suite('publish --dry-run')
DryRun('should say what it would upload, skip and refuse, and write nothing', async () => {
  if (!s3) return
  const bucket = await s3.bucket()
  const r = await publish(small, [`s3://${bucket}/d`, '--dry-run'])
  assert.is(r.code, 0, r.stdout)
  assert.is(r.json.uploaded.length, r.json.files)
  assert.is((await s3.list(bucket)).size, 0)
  const victim = manifestOf(small).assets['app.ts']
  assert.is((await s3.req('PUT', `${bucket}/d/${victim}`, { body: 'other' })).status, 200)
  const text = await kiln(['publish', `s3://${bucket}/d`, '--dry-run'], { cwd: small, env: s3.env })
  assert.is(text.code, 1)
  assert.match(text.stderr, `d/${victim}`)
  assert.is((await s3.list(bucket)).size, 1)
})
DryRun.run()

// ---------------------------------------------------------------------------------------
const Verify = suite('publish --verify')
Verify('should report a deleted and a replaced object, downloading nothing', async () => {
  if (!s3) return
  const bucket = await s3.bucket()
  assert.is((await publish(small, [`s3://${bucket}/v`])).code, 0)
  const ok = await publish(small, [`s3://${bucket}/v`, '--verify'])
  assert.is(ok.code, 0, ok.stdout)
  const m = manifestOf(small)
  const gone = m.assets['images/s1.svg']
  const replaced = m.assets['images/s2.svg']
  assert.is((await s3.req('DELETE', `${bucket}/v/${gone}`)).status, 204)
  assert.is((await s3.req('PUT', `${bucket}/v/${replaced}`, { body: 'other bytes!' })).status, 200)
  const bad = await publish(small, [`s3://${bucket}/v`, '--verify'])
  assert.is(bad.code, 1)
  assert.equal(bad.json.problems.map((p) => p.key).sort(), [`v/${gone}`, `v/${replaced}`].sort())
  const text = await kiln(['publish', `s3://${bucket}/v`, '--verify'], { cwd: small, env: s3.env })
  assert.is(text.code, 1)
  assert.match(text.stderr, `v/${gone}: missing`)
})
Verify.run()

// ---------------------------------------------------------------------------------------
const Race = suite('publish: two publishers at once')
Race('should end consistent when two publishers run at once', async () => {
  if (!s3) return
  const bucket = await s3.bucket()
  const [a, b] = await Promise.all([publish(small, [`s3://${bucket}/x`]), publish(small, [`s3://${bucket}/x`])])
  assert.is(a.code, 0, a.stderr + a.stdout.slice(0, 2000))
  assert.is(b.code, 0, b.stderr + b.stdout.slice(0, 2000))
  const v = await publish(small, [`s3://${bucket}/x`, '--verify'])
  assert.is(v.code, 0, JSON.stringify(v.json?.problems))
})
Race.run()

// ---------------------------------------------------------------------------------------
const Killed = suite('publish: killed midway')
Killed('should leave the old manifest in place when killed, and complete on a rerun', async () => {
  if (!s3) return
  const bucket = await s3.bucket()
  assert.is((await publish(small, [`s3://${bucket}/k`])).code, 0)
  const oldManifest = fs.readFileSync(path.join(small, OUT, 'manifest.json'))
  const next = makeApp('b', 150, false)
  try {
    await build(next)
    const known = (await s3.list(bucket)).size
    const child = spawn(process.execPath, [BIN, 'publish', `s3://${bucket}/k`, '--concurrency', '1'], { cwd: next, env: { ...process.env, ...s3.env }, stdio: 'ignore' })
    const exited = new Promise((resolve) => child.on('exit', resolve))
    while ((await s3.list(bucket)).size < known + 20 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20))
    child.kill('SIGKILL')
    await exited
    const served = Buffer.from(await (await s3.req('GET', `${bucket}/k/manifest.json`)).arrayBuffer())
    assert.ok(served.equals(oldManifest), 'the old manifest is still served')
    const rerun = await publish(next, [`s3://${bucket}/k`])
    assert.is(rerun.code, 0, rerun.stderr)
    assert.ok(rerun.json.skipped >= 20, `the rerun skipped ${rerun.json.skipped}`)
    const served2 = Buffer.from(await (await s3.req('GET', `${bucket}/k/manifest.json`)).arrayBuffer())
    assert.ok(served2.equals(fs.readFileSync(path.join(next, OUT, 'manifest.json'))))
    assert.is((await publish(next, [`s3://${bucket}/k`, '--verify'])).code, 0)
  } finally {
    remove(next)
  }
})
Killed.run()

// ---------------------------------------------------------------------------------------
const Secrets = suite('publish: credentials never printed')
Secrets('should never print the secret key or session token, on any path', async () => {
  if (!s3) return
  const bucket = await s3.bucket()
  const real = s3.env.AWS_SECRET_ACCESS_KEY
  const token = 'KILNTOKENCANARY0123456789'
  const wrong = { ...s3.env, AWS_SECRET_ACCESS_KEY: 'KILNSECRETCANARYabcdef0123456789', AWS_SESSION_TOKEN: token }
  const runs = []
  for (const args of [[], ['--json'], ['--dry-run'], ['--verify'], ['--verbose']]) {
    runs.push(await kiln(['publish', `s3://${bucket}/s`, ...args], { cwd: small, env: s3.env }))
    runs.push(await kiln(['publish', `s3://${bucket}/s`, ...args], { cwd: small, env: wrong }))
  }
  runs.push(await kiln(['publish', `s3://${bucket}/s`], { cwd: small, env: { ...s3.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:1' } }))
  runs.push(await kiln(['publish', `s3://${bucket}/nope`], { cwd: small, env: { ...s3.env, AWS_ACCESS_KEY_ID: '' } }))
  assert.ok(runs.some((r) => r.code === 0) && runs.some((r) => r.code === 1), 'both successes and failures were exercised')
  for (const r of runs) {
    const all = r.stdout + r.stderr
    for (const secret of [real, 'KILNSECRETCANARY', token, 'Signature=']) assert.not.ok(all.includes(secret), `printed ${secret.slice(0, 6)}…: ${all.slice(0, 300)}`)
  }
  const refused = runs.find((r) => r.code === 1 && /HTTP 403/.test(r.stderr))
  assert.ok(refused, 'a wrong secret is reported as refused credentials')
})
Secrets.after(() => {
  if (app) remove(app)
  if (small) remove(small)
  s3?.stop()
})
Secrets.run()
