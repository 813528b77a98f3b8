// The remote build cache (cache.remote, --remote-cache) against a real Ceph RADOS Gateway
// (test/s3/): the CLI as a child process, each "runner" a fresh copy of the same sources in
// its own temp dir with an empty local cache, a fresh bucket per suite. Skips (one line why)
// when RGW cannot start here; KILN_REQUIRE_S3=1 makes that a failure. The suites that need
// no server (unreachable remote, missing credentials) always run.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { kiln, project, remove, sampleApp, tree } from './helpers.mjs'
import { startRgw } from './s3/rgw.mjs'

const s3 = await startRgw('remote-cache.test.mjs (remote build cache against Ceph RGW)')

/** Every output of every run, searched for credentials at the end. */
const printed = []
const SECRET_CANARY = 'KILNREMOTECACHESECRETcanary0123456789'
const TOKEN_CANARY = 'KILNREMOTECACHETOKENcanary0123456789'

/** Two units: the scripts (three entries' worth, a lazy chunk, a CSS import) and site.css. */
const UNITS = 2

async function build(dir, args = [], env = s3?.env ?? {}) {
  const r = await kiln(['build', '--json', ...args], { cwd: dir, env })
  printed.push(r.stdout, r.stderr)
  const json = r.stdout ? JSON.parse(r.stdout) : null
  return { ...r, json }
}

async function ok(dir, args, env) {
  const r = await build(dir, args, env)
  assert.is(r.code, 0, r.stderr + r.stdout)
  return r.json
}

/** The artifact directory, every file (the manifest included) as bytes. */
function artifact(dir) {
  return tree(path.join(dir, 'public/assets'))
}

function assertSameArtifact(a, b, label) {
  const x = artifact(a)
  const y = artifact(b)
  assert.equal(Object.keys(y).sort(), Object.keys(x).sort(), `${label}: the same files`)
  for (const f of Object.keys(x)) assert.ok(x[f].equals(y[f]), `${label}: ${f} byte-identical`)
  assert.ok(x['manifest.json'], 'the manifest is compared too')
}

async function getObject(bucket, key) {
  const res = await s3.req('GET', `${bucket}/${key}`)
  assert.is(res.status, 200, key)
  return Buffer.from(await res.arrayBuffer())
}

/** A plain overwrite (no If-None-Match), as a tamperer or a broken disk would. */
async function putObject(bucket, key, body) {
  const res = await s3.req('PUT', `${bucket}/${key}`, { body, headers: { 'Cache-Control': 'no-store' } })
  assert.is(res.status, 200, `overwrite ${key}: ${res.status}`)
}

/** The entry object of the stylesheet unit under a prefix. */
async function styleEntry(bucket, prefix) {
  for (const key of (await s3.list(bucket, `${prefix}/v1/entries/`)).keys()) {
    const body = await getObject(bucket, key)
    if (body.includes('"logical":"site.css"')) return { key, body }
  }
  throw new Error('no entry for site.css')
}

// ---------------------------------------------------------------------------------------
const Shared = suite('remote cache: a second runner compiles nothing')
Shared('should store every unit from runner A and give runner B (fresh checkout, empty local cache) a byte-identical artifact without compiling', async () => {
  if (!s3) return
  const bucket = await s3.bucket()
  // A font in node_modules that the stylesheet names: B must write it too, though it compiles nothing.
  const font = {
    'node_modules/fakefont/font.css': '@font-face { font-family: Fake; src: url(./fake.woff2) }\n',
    'node_modules/fakefont/fake.woff2': 'wOF2 not really a font\n',
    'assets/site.css': '@import "./partials/base.css";\n@import "fakefont/font.css";\n.logo { background: url("images/logo.svg") }\n',
  }
  const a = sampleApp(font)
  const b = sampleApp(font)
  try {
    const first = await ok(a, ['--remote-cache', `s3://${bucket}/ci`])
    assert.ok(Object.keys(tree(path.join(a, 'public/assets'))).some((f) => /^_\/fakefont\/fake-[A-Z2-7]{8}\.woff2$/.test(f)), 'the font is in A\'s artifact')
    assert.equal(first.steps.compile, ['scripts', 'style:site.css'])
    assert.equal(first.steps.remoteCache, { hits: 0, misses: UNITS, stored: UNITS, rejected: 0 })
    const keys = [...(await s3.list(bucket, 'ci/')).keys()]
    assert.is(keys.filter((k) => k.startsWith('ci/v1/entries/')).length, UNITS)
    assert.is(keys.filter((k) => k.startsWith('ci/v1/inputs/')).length, UNITS)
    const head = await s3.req('HEAD', `${bucket}/${keys.find((k) => k.includes('/entries/'))}`)
    assert.is(head.headers.get('cache-control'), 'private, max-age=31536000, immutable', 'an explicit Cache-Control, not fetch\'s no-cache')
    // Runner B, by the environment variable this time.
    const second = await ok(b, [], { ...s3.env, KILN_REMOTE_CACHE: `s3://${bucket}/ci` })
    assert.is(second.steps.compile, 'skipped')
    assert.equal(second.steps.remoteCache, { hits: UNITS, misses: 0, stored: 0, rejected: 0 })
    assert.equal(second.warnings, [])
    assertSameArtifact(a, b, 'runner B')
    // B's local cache now holds what it fetched: a third build needs neither the remote nor a compile.
    const third = await ok(b, ['--remote-cache', `s3://${bucket}/ci`])
    assert.is(third.steps.compile, 'skipped')
    assert.equal(third.steps.remoteCache, { hits: 0, misses: 0, stored: 0, rejected: 0 })
    // The summary line says where the units came from.
    const d = sampleApp(font)
    try {
      const text = await kiln(['build', '--remote-cache', `s3://${bucket}/ci`], { cwd: d, env: s3.env })
      printed.push(text.stdout, text.stderr)
      assert.is(text.code, 0)
      assert.match(text.stdout, `${first.written} written, 0 unchanged; ${UNITS} units from the remote cache, compile skipped)`)
    } finally {
      remove(d)
    }
  } finally {
    remove(a)
    remove(b)
  }
})
Shared('should miss (and compile) when a source differs, and store the new result beside the old', async () => {
  if (!s3) return
  const bucket = await s3.bucket()
  const a = sampleApp()
  const b = sampleApp({ 'assets/lib/shared.ts': "export function greet(name: string): string {\n  return 'hi ' + name\n}\n" })
  const c = sampleApp({ 'assets/lib/shared.ts': "export function greet(name: string): string {\n  return 'hi ' + name\n}\n" })
  try {
    await ok(a, ['--remote-cache', `s3://${bucket}/ci`])
    const edited = await ok(b, ['--remote-cache', `s3://${bucket}/ci`])
    assert.equal(edited.steps.compile, ['scripts'], 'the edited script misses; the stylesheet is a hit')
    assert.equal(edited.steps.remoteCache, { hits: 1, misses: 1, stored: 1, rejected: 0 })
    const again = await ok(c, ['--remote-cache', `s3://${bucket}/ci`])
    assert.is(again.steps.compile, 'skipped')
    assertSameArtifact(b, c, 'the edited sources')
  } finally {
    for (const d of [a, b, c]) remove(d)
  }
})
Shared.run()

// ---------------------------------------------------------------------------------------
const Tampered = suite('remote cache: a bad entry is never used')
for (const [name, spoil] of [
  ['a flipped byte (checksum)', (body) => { const x = Buffer.from(body); x[x.length - 3] ^= 0x55; return x }],
  ['a truncated object', (body) => body.subarray(0, Math.floor(body.length / 2))],
  ['changed output bytes behind a recomputed checksum (integrity)', (body) => {
    const nl = body.indexOf(0x0a)
    const rest = Buffer.from(body.subarray(nl + 1))
    rest[rest.length - 2] ^= 0x20
    const [magic, version, , length] = body.subarray(0, nl).toString().split(' ')
    return Buffer.concat([Buffer.from(`${magic} ${version} ${crypto.createHash('sha256').update(rest).digest('hex')} ${length}\n`), rest])
  }],
]) {
  Tampered(`should detect ${name}, warn, compile the unit and overwrite nothing`, async () => {
    if (!s3) return
    const bucket = await s3.bucket()
    const [a, b, c] = [sampleApp(), sampleApp(), sampleApp()]
    try {
      await ok(a, ['--remote-cache', `s3://${bucket}/ci`])
      const entry = await styleEntry(bucket, 'ci')
      const bad = spoil(entry.body)
      await putObject(bucket, entry.key, bad)
      const r = await ok(b, ['--remote-cache', `s3://${bucket}/ci`])
      assert.equal(r.steps.compile, ['style:site.css'], 'only the bad unit compiles')
      assert.equal(r.steps.remoteCache, { hits: 1, misses: 0, stored: 0, rejected: 1 })
      assert.is(r.warnings.length, 1, JSON.stringify(r.warnings))
      assert.match(r.warnings[0].text, `The remote cache s3://${bucket}/ci`)
      assert.match(r.warnings[0].text, 'bad entry for style:site.css')
      assertSameArtifact(a, b, 'after a bad entry')
      assert.ok((await getObject(bucket, entry.key)).equals(bad), 'the entry was not overwritten (If-None-Match)')
      // Another runner meets it again: warned again, never used, still not overwritten.
      const again = await ok(c, ['--remote-cache', `s3://${bucket}/ci`])
      assert.equal(again.steps.remoteCache, { hits: 1, misses: 0, stored: 0, rejected: 1 })
      assertSameArtifact(a, c, 'a third runner')
      assert.ok((await getObject(bucket, entry.key)).equals(bad))
    } finally {
      for (const d of [a, b, c]) remove(d)
    }
  })
}
Tampered.run()

// ---------------------------------------------------------------------------------------
const ReadOnly = suite('remote cache: read-only')
ReadOnly('should compile a miss and store nothing, and still use what is there (config cache.readOnly)', async () => {
  if (!s3) return
  const bucket = await s3.bucket()
  const config = `export default { cache: { remote: 's3://${bucket}/ci', readOnly: true } }\n`
  const a = sampleApp({ 'kiln.config.mjs': config })
  const b = sampleApp()
  const c = sampleApp({ 'kiln.config.mjs': config })
  try {
    const miss = await ok(a)
    assert.equal(miss.steps.compile, ['scripts', 'style:site.css'])
    assert.equal(miss.steps.remoteCache, { hits: 0, misses: UNITS, stored: 0, rejected: 0 })
    assert.is((await s3.list(bucket)).size, 0, 'nothing was written to the bucket')
    // A trusted runner fills it; the read-only one then only reads.
    await ok(b, ['--remote-cache', `s3://${bucket}/ci`])
    const before = await s3.list(bucket)
    const hit = await ok(c)
    assert.is(hit.steps.compile, 'skipped')
    assert.equal(hit.steps.remoteCache, { hits: UNITS, misses: 0, stored: 0, rejected: 0 })
    assert.equal([...(await s3.list(bucket))], [...before], 'read-only changed nothing')
    // The flag works too, on top of a config that names the remote.
    const d = sampleApp({ 'assets/extra.css': '.x { color: red }\n', 'kiln.config.mjs': `export default { cache: { remote: 's3://${bucket}/ci' } }\n` })
    try {
      const flagged = await ok(d, ['--remote-cache-read-only'])
      assert.is(flagged.steps.remoteCache.stored, 0)
      assert.equal([...(await s3.list(bucket))], [...before])
    } finally {
      remove(d)
    }
  } finally {
    for (const d of [a, b, c]) remove(d)
  }
})
ReadOnly.run()

// ---------------------------------------------------------------------------------------
function closedPort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

const Down = suite('remote cache: an unusable remote is a warning')
Down('should warn naming the remote and build locally when it is unreachable; --strict fails with the message', async () => {
  const dir = sampleApp()
  const env = { AWS_ENDPOINT_URL: `http://127.0.0.1:${await closedPort()}`, AWS_ACCESS_KEY_ID: 'AKIAKILNTEST', AWS_SECRET_ACCESS_KEY: SECRET_CANARY, AWS_SESSION_TOKEN: TOKEN_CANARY, AWS_REGION: 'us-east-1' }
  try {
    const r = await ok(dir, ['--remote-cache', 's3://nowhere/ci'], env)
    assert.equal(r.steps.compile, ['scripts', 'style:site.css'])
    assert.is(r.warnings.length, 1, 'one warning, however many units asked')
    assert.match(r.warnings[0].text, /^The remote cache s3:\/\/nowhere\/ci \(http:\/\/127\.0\.0\.1:\d+\) failed \(LIST .*network error \(ECONNREFUSED\)\); building without it$/)
    assert.ok(fs.existsSync(path.join(dir, 'public/assets/manifest.json')))
    const text = await kiln(['build', '--no-minify', '--remote-cache', 's3://nowhere/ci'], { cwd: dir, env })
    printed.push(text.stdout, text.stderr)
    assert.is(text.code, 0)
    assert.match(text.stderr, 'WARNING: The remote cache s3://nowhere/ci')
    const strict = await kiln(['build', '--strict', '--no-minify', '--remote-cache', 's3://nowhere/ci'], { cwd: dir, env })
    printed.push(strict.stdout, strict.stderr)
    assert.is(strict.code, 1)
    assert.match(strict.stderr, 'ERROR: The remote cache s3://nowhere/ci')
  } finally {
    remove(dir)
  }
})
Down('should warn and build locally without credentials (a pull request from a fork gets no secrets)', async () => {
  const dir = sampleApp()
  try {
    const r = await ok(dir, ['--remote-cache', 's3://bkt/ci'], { AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' })
    assert.match(r.warnings[0].text, 'The remote cache s3://bkt/ci needs credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set; building without it')
    assert.is(r.steps.remoteCache, undefined, 'no remote cache was opened')
  } finally {
    remove(dir)
  }
})
Down('should reject a malformed s3:// URL as a usage error (exit 2), from a flag, the environment or the config', async () => {
  const dir = project({ 'assets/app.css': 'a{}' })
  try {
    const flag = await kiln(['build', '--remote-cache', 'bucket/ci'], { cwd: dir })
    assert.is(flag.code, 2)
    assert.match(flag.stderr, '--remote-cache is not usable: "bucket/ci" is not an s3:// URL')
    const env = await kiln(['build'], { cwd: dir, env: { KILN_REMOTE_CACHE: 's3://B/ci' } })
    assert.is(env.code, 2)
    assert.match(env.stderr, '"B" is not a valid bucket name')
    fs.writeFileSync(path.join(dir, 'kiln.config.mjs'), "export default { cache: { remote: 'https://bucket/ci' } }\n")
    const file = await kiln(['build'], { cwd: dir })
    assert.is(file.code, 1)
    assert.match(file.stderr, 'kiln.config.mjs:1:27: ERROR: Option "cache.remote" in kiln.config.mjs is not usable: "https://bucket/ci" is not an s3:// URL')
    fs.writeFileSync(path.join(dir, 'kiln.config.mjs'), "export default { cache: { remot: 's3://bucket/ci' } }\n")
    const typo = await kiln(['build'], { cwd: dir })
    assert.match(typo.stderr, 'Option "cache.remot" in kiln.config.mjs is not a cache setting')
    assert.match(typo.stderr, 'hint: did you mean "remote"?')
  } finally {
    remove(dir)
  }
})
Down('should warn when the credentials are refused (403) and build locally', async () => {
  if (!s3) return
  const bucket = await s3.bucket()
  const dir = sampleApp()
  try {
    const r = await ok(dir, ['--remote-cache', `s3://${bucket}/ci`], { ...s3.env, AWS_SECRET_ACCESS_KEY: SECRET_CANARY, AWS_SESSION_TOKEN: TOKEN_CANARY })
    assert.match(r.warnings[0].text, /failed \(LIST .*HTTP 403/)
    assert.equal(r.steps.compile, ['scripts', 'style:site.css'])
  } finally {
    remove(dir)
  }
})
Down.run()

// ---------------------------------------------------------------------------------------
const Secrets = suite('remote cache: credentials never printed')
Secrets('should print no secret key, session token or signature in any run of this file', () => {
  const secrets = [SECRET_CANARY, TOKEN_CANARY, 'Signature=', 'X-Amz-Credential', ...(s3 ? [s3.env.AWS_SECRET_ACCESS_KEY] : [])]
  assert.ok(printed.length > 20, 'the runs above were recorded')
  const all = printed.join('\n')
  for (const secret of secrets) assert.not.ok(all.includes(secret), `printed ${secret.slice(0, 8)}…`)
})
Secrets.after(() => s3?.stop())
Secrets.run()
