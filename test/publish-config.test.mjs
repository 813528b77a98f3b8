// kiln publish's settings from the config's `publish` key, their precedence, and its progress
// line on a terminal. The checks of the key run without a server; everything that publishes
// runs the CLI as a child process against a real Ceph RADOS Gateway (test/s3/), and skips
// (one line why) when RGW cannot start here; KILN_REQUIRE_S3=1 makes that a failure.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import fs from 'node:fs'
import path from 'node:path'
import { kiln, onTerminal, project, remove, sampleApp, write } from './helpers.mjs'
import { startRgw } from './s3/rgw.mjs'

const CANARY = 'KILNCFGCANARY0123456789secret'

/** Only these AWS_* variables: whatever the shell running the tests has set is blanked. */
const only = (vars = {}) => ({ AWS_ENDPOINT_URL: '', AWS_ENDPOINT_URL_S3: '', AWS_REGION: '', AWS_DEFAULT_REGION: '', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', ...vars })

const json = (value) => `${JSON.stringify(value, null, 2)}\n`

function assertNoCanary(runs, canaries = [CANARY]) {
  for (const r of runs) {
    const all = r.stdout + r.stderr
    for (const c of canaries) assert.not.ok(all.includes(c), `printed ${c.slice(0, 8)}…: ${all.slice(0, 400)}`)
  }
}

// ---------------------------------------------------------------------------------------
const Errors = suite('publish config: mistakes are errors at the key')

Errors('should refuse a credential in kiln.config.json at its line:col, with a hint, never showing its value', async () => {
  const dir = sampleApp({ 'kiln.config.json': json({ publish: { target: 's3://bucket/p', secretAccessKey: CANARY } }) })
  try {
    const text = await kiln(['publish'], { cwd: dir, env: only() })
    assert.is(text.code, 1, text.stderr)
    assert.match(text.stderr, 'kiln.config.json:4:5: ERROR: Option "publish.secretAccessKey" in kiln.config.json is a credential in a JSON config')
    assert.match(text.stderr, /hint: config files are committed and secrets do not belong in them: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/)
    assert.match(text.stderr, `"secretAccessKey": "${'*'.repeat(CANARY.length)}"`, 'the quoted line keeps its shape, the value masked')
    const asJson = await kiln(['publish', '--json'], { cwd: dir, env: only() })
    assert.is(asJson.code, 1)
    const error = JSON.parse(asJson.stdout).errors[0]
    assert.equal([error.location.line, error.location.column], [4, 4])
    // The build reads the same config: the same error there.
    const build = await kiln(['build'], { cwd: dir })
    assert.is(build.code, 1)
    assert.match(build.stderr, 'kiln.config.json:4:5')
    // A JSON config that does not even parse quotes its line: the value is masked there too.
    write(dir, { 'kiln.config.json': `{ "publish": { "sessionToken": "${CANARY}", } }\n` })
    const broken = await kiln(['publish'], { cwd: dir, env: only() })
    assert.is(broken.code, 1)
    assert.match(broken.stderr, /Invalid JSON in config/)
    assertNoCanary([text, asJson, build, broken])
  } finally {
    remove(dir)
  }
})

Errors('should report a bad target, a bad endpoint, concurrency 0 and an unknown setting at their keys', async () => {
  const dir = sampleApp({
    'kiln.config.json': json({ publish: { target: 's3://Bad_Bucket/p', endpoint: `https://user:${CANARY}@s3.example.net`, concurrency: 0, regoin: 'eu-west-1', variants: 'yes' } }),
  })
  try {
    const r = await kiln(['publish'], { cwd: dir, env: only() })
    assert.is(r.code, 1, r.stderr)
    assert.match(r.stderr, 'kiln.config.json:3:5: ERROR: Option "publish.target" in kiln.config.json is not usable: "Bad_Bucket" is not a valid bucket name')
    assert.match(r.stderr, 'kiln.config.json:4:5: ERROR: Option "publish.endpoint" in kiln.config.json must not carry credentials or a query')
    assert.match(r.stderr, 'kiln.config.json:5:5: ERROR: Option "publish.concurrency" in kiln.config.json must be a whole number of uploads at once, at least 1, got 0')
    assert.match(r.stderr, 'kiln.config.json:6:5: ERROR: Option "publish.regoin" in kiln.config.json is not a publish setting\n')
    assert.match(r.stderr, 'hint: did you mean "region"?')
    assert.match(r.stderr, 'kiln.config.json:7:5: ERROR: Option "publish.variants" in kiln.config.json must be true or false, got "yes"')
    // The endpoint's password is in the quoted line: masked there.
    assert.match(r.stderr, `https://user:${'*'.repeat(CANARY.length)}@s3.example.net`)
    assertNoCanary([r])
    write(dir, { 'kiln.config.json': json({ publish: 's3://bucket/p' }) })
    const notObject = await kiln(['publish'], { cwd: dir, env: only() })
    assert.is(notObject.code, 1)
    assert.match(notObject.stderr, 'kiln.config.json:2:3: ERROR: Option "publish" in kiln.config.json must be an object')
  } finally {
    remove(dir)
  }
})

Errors('should need a target when neither the argument nor the config names one', async () => {
  const dir = sampleApp()
  try {
    const r = await kiln(['publish'], { cwd: dir, env: only() })
    assert.is(r.code, 2, r.stderr)
    assert.match(r.stderr, 'error: kiln publish needs a target: an s3:// URL')
    assert.match(r.stderr, '"publish": { "target": "s3://bucket/prefix" } in the config')
    const two = await kiln(['publish', 's3://a-bucket/x', 's3://b-bucket/y'], { cwd: dir, env: only() })
    assert.is(two.code, 2)
    assert.match(two.stderr, 'kiln publish takes one s3:// URL, got 2')
  } finally {
    remove(dir)
  }
})

Errors('should say the precedence in kiln publish --help', async () => {
  const r = await kiln(['publish', '--help'])
  assert.is(r.code, 0)
  assert.match(r.stdout, 'Usage: kiln publish [s3-url] [options]')
  assert.match(r.stdout, /highest precedence first: the command line \(the s3:\/\/ URL, --concurrency,\n--variants\), then the environment \(AWS_ENDPOINT_URL/)
  assert.match(r.stdout, /then "publish" in the config file\n\(\{ target, endpoint, region, concurrency, variants \}\), then the default/)
  assert.match(r.stdout, 'a kiln.config.json\nmay not hold them')
})

Errors.run()

// ---------------------------------------------------------------------------------------
const s3 = await startRgw('publish-config.test.mjs (kiln publish settings and progress against Ceph RGW)')

/** A sample app with `count` more static files (so a publish lasts long enough to watch), built. */
async function builtApp(count = 0, files = {}) {
  const extra = { ...files }
  for (let i = 0; i < count; i++) extra[`assets/images/n${i}.svg`] = `<svg xmlns="http://www.w3.org/2000/svg"><!-- ${i} ${'q'.repeat(i % 40)} --></svg>`
  const dir = sampleApp(extra)
  const r = await kiln(['build', '--quiet'], { cwd: dir })
  assert.is(r.code, 0, r.stderr)
  return dir
}

/** The credentials alone, as the environment gives them (no endpoint, no region). */
const credentials = () => only({ AWS_ACCESS_KEY_ID: s3.env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: s3.env.AWS_SECRET_ACCESS_KEY })

const FromConfig = suite('publish config: a publish driven by the config')

FromConfig('should publish with target and endpoint from kiln.config.json and credentials from the environment alone', async () => {
  if (!s3) return
  const bucket = await s3.bucket()
  const dir = await builtApp(0, { 'kiln.config.json': json({ publish: { target: `s3://${bucket}/cfg`, endpoint: s3.env.AWS_ENDPOINT_URL, region: s3.env.AWS_REGION } }) })
  try {
    const r = await kiln(['publish', '--json'], { cwd: dir, env: credentials() })
    assert.is(r.code, 0, r.stderr + r.stdout)
    const out = JSON.parse(r.stdout)
    assert.is(out.target, `s3://${bucket}/cfg`)
    assert.is(out.uploaded.length, out.files)
    const there = await s3.list(bucket)
    assert.ok(there.has('cfg/manifest.json'))
    assert.is(there.size, out.files)
  } finally {
    remove(dir)
  }
})

FromConfig('should take credentials a kiln.config.mjs reads from process.env', async () => {
  if (!s3) return
  const bucket = await s3.bucket()
  const dir = await builtApp(0, {
    'kiln.config.mjs': `export default { publish: { target: 's3://${bucket}/mjs', endpoint: ${JSON.stringify(s3.env.AWS_ENDPOINT_URL)}, accessKeyId: process.env.DEPLOY_KEY, secretAccessKey: process.env.DEPLOY_SECRET } }\n`,
  })
  try {
    const env = only({ DEPLOY_KEY: s3.env.AWS_ACCESS_KEY_ID, DEPLOY_SECRET: s3.env.AWS_SECRET_ACCESS_KEY })
    const r = await kiln(['publish', '--verbose'], { cwd: dir, env })
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stderr, 'credentials: publish.accessKeyId/secretAccessKey in kiln.config.mjs')
    assert.ok((await s3.list(bucket)).has('mjs/manifest.json'))
    // Without the variables the config reads, it says which keys are missing, not their values.
    const missing = await kiln(['publish'], { cwd: dir, env: only() })
    assert.is(missing.code, 2)
    assert.match(missing.stderr, 'error: kiln publish needs credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set')
    assertNoCanary([r, missing], [s3.env.AWS_SECRET_ACCESS_KEY])
  } finally {
    remove(dir)
  }
})

FromConfig.run()

// ---------------------------------------------------------------------------------------
const Precedence = suite('publish config: command line > environment > config > default')

Precedence('should let the argument, flags and AWS_* variables win over the config, and the config over the defaults', async () => {
  if (!s3) return
  const fromConfig = await s3.bucket()
  const fromArgument = await s3.bucket()
  // A config whose endpoint answers nothing: publishing works only when AWS_ENDPOINT_URL wins over it.
  const dir = await builtApp(0, { 'kiln.config.json': json({ publish: { target: `s3://${fromConfig}/cfg`, endpoint: 'http://127.0.0.1:1', region: 'eu-cfg-1', concurrency: 3, variants: false } }) })
  try {
    const all = { ...s3.env, AWS_SESSION_TOKEN: '', AWS_DEFAULT_REGION: '', AWS_ENDPOINT_URL_S3: '' }
    const flags = await kiln(['publish', `s3://${fromArgument}/arg`, '--concurrency', '5', '--variants', '--verbose'], { cwd: dir, env: all })
    assert.is(flags.code, 0, flags.stderr)
    assert.match(flags.stderr, `publish target: s3://${fromArgument}/arg (the argument)`)
    assert.match(flags.stderr, `endpoint: ${s3.env.AWS_ENDPOINT_URL} (AWS_ENDPOINT_URL)`)
    assert.match(flags.stderr, `region: ${s3.env.AWS_REGION} (AWS_REGION)`)
    assert.match(flags.stderr, 'uploads at once: 5 (--concurrency)')
    assert.match(flags.stderr, 'variants: on (--variants)')
    assert.is((await s3.list(fromConfig)).size, 0, "the config's target was not used")
    assert.ok([...(await s3.list(fromArgument)).keys()].some((k) => k.endsWith('.br')), '--variants won over variants: false')

    const config = await kiln(['publish', '--verbose'], { cwd: dir, env: all })
    assert.is(config.code, 0, config.stderr)
    assert.match(config.stderr, `publish target: s3://${fromConfig}/cfg (publish.target in kiln.config.json)`)
    assert.match(config.stderr, 'uploads at once: 3 (publish.concurrency in kiln.config.json)')
    assert.match(config.stderr, 'variants: off (publish.variants in kiln.config.json)')
    const keys = [...(await s3.list(fromConfig)).keys()]
    assert.ok(keys.includes('cfg/manifest.json'))
    assert.not.ok(keys.some((k) => /\.(br|gz)$/.test(k)), 'variants: false in the config')

    // No AWS_ENDPOINT_URL: the config's endpoint (and region) is used, and the failure names it.
    const dead = await kiln(['publish', '--verbose'], { cwd: dir, env: credentials() })
    assert.is(dead.code, 1)
    assert.match(dead.stderr, 'region: eu-cfg-1 (publish.region in kiln.config.json)')
    assert.match(dead.stderr, /network error/)
    assert.match(dead.stderr, 'hint: is the endpoint (publish.endpoint in kiln.config.json) right and reachable?')

    // No config: the defaults.
    fs.rmSync(path.join(dir, 'kiln.config.json'))
    const defaults = await kiln(['publish', `s3://${fromArgument}/def`, '--dry-run', '--verbose'], { cwd: dir, env: { ...all, AWS_REGION: '' } })
    assert.is(defaults.code, 0, defaults.stderr)
    assert.match(defaults.stderr, 'region: us-east-1 (the default)')
    assert.match(defaults.stderr, 'uploads at once: 16 (the default)')
    assert.match(defaults.stderr, 'variants: on (the default)')
  } finally {
    remove(dir)
  }
})

Precedence.run()

// ---------------------------------------------------------------------------------------
const Progress = suite('publish progress on a terminal')

Progress('should draw a live "publishing n/m files · x/y MiB" line on a pty and erase it before the summary', async () => {
  if (!s3) return
  const bucket = await s3.bucket()
  const dir = await builtApp(300)
  try {
    // KILN_PROGRESS_AFTER=0: drawn from the start; two uploads at once keep it on screen a while.
    const r = onTerminal(['publish', `s3://${bucket}/tty`, '--concurrency', '2'], dir, { ...s3.env, KILN_PROGRESS_AFTER: '0' })
    assert.is(r.code, 0, r.screen)
    assert.match(r.screen, /\r\x1b\[2Kkiln: publishing [\d,]+\/[\d,]+ files · \d+\.\d\/\d+\.\d (KiB|MiB) \(\d+\.\d s\)/)
    const summary = r.screen.lastIndexOf('Uploaded ')
    assert.ok(summary > 0, r.screen)
    assert.ok(r.screen.lastIndexOf('\r\x1b[2K', summary) > r.screen.lastIndexOf('kiln: ', summary), 'the line is erased before the summary')
    assert.not.match(r.screen.slice(summary), 'kiln: ')
    // Published again: everything is already there, and the line says so.
    const again = onTerminal(['publish', `s3://${bucket}/tty`], dir, { ...s3.env, KILN_PROGRESS_AFTER: '0' })
    assert.is(again.code, 0, again.screen)
    assert.match(again.screen, /Uploaded 0 of \d+ files/)
  } finally {
    remove(dir)
  }
})

Progress('should write plain lines when stderr is not a terminal, and nothing with --json', async () => {
  if (!s3) return
  const bucket = await s3.bucket()
  const dir = await builtApp(50)
  try {
    const piped = await kiln(['publish', `s3://${bucket}/plain`], { cwd: dir, env: { ...s3.env, KILN_PROGRESS_AFTER: '0' } })
    assert.is(piped.code, 0, piped.stderr)
    assert.match(piped.stderr, /^kiln: (reading the build|listing the bucket|publishing [\d,]+\/[\d,]+ files[^\n]*) \(\d+\.\d s\)\n/m)
    assert.not.match(piped.stderr, /[\r\x1b]/, 'no carriage returns or escapes in a log')
    const asJson = onTerminal(['publish', `s3://${bucket}/plain`, '--json'], dir, { ...s3.env, KILN_PROGRESS_AFTER: '0' })
    assert.is(asJson.code, 0, asJson.screen)
    assert.not.match(asJson.screen, 'kiln: ')
    const quiet = onTerminal(['publish', `s3://${bucket}/plain`, '--quiet'], dir, { ...s3.env, KILN_PROGRESS_AFTER: '0' })
    assert.is(quiet.code, 0)
    assert.is(quiet.screen, '')
  } finally {
    remove(dir)
  }
})

Progress.run()

// ---------------------------------------------------------------------------------------
const Secrets = suite('publish config: credentials never printed on the new paths')

Secrets('should never print a credential from a JS config, on a terminal, with --verbose, --json or on failure', async () => {
  if (!s3) return
  const bucket = await s3.bucket()
  const real = s3.env.AWS_SECRET_ACCESS_KEY
  const dir = await builtApp(20, {
    // The secret comes from a variable; the session token is written in the file (allowed in JS, never shown).
    'kiln.config.mjs': `export default { publish: { target: 's3://${bucket}/sec', endpoint: ${JSON.stringify(s3.env.AWS_ENDPOINT_URL)}, accessKeyId: process.env.DEPLOY_KEY, secretAccessKey: process.env.DEPLOY_SECRET, sessionToken: process.env.DEPLOY_TOKEN } }\n`,
  })
  try {
    const good = only({ DEPLOY_KEY: s3.env.AWS_ACCESS_KEY_ID, DEPLOY_SECRET: real, KILN_PROGRESS_AFTER: '0' })
    const wrong = { ...good, DEPLOY_SECRET: CANARY, DEPLOY_TOKEN: `${CANARY}token` }
    const runs = []
    for (const env of [good, wrong]) {
      for (const args of [[], ['--verbose'], ['--json'], ['--dry-run'], ['--verify']]) runs.push(await kiln(['publish', ...args], { cwd: dir, env }))
      const tty = onTerminal(['publish', '--verbose'], dir, env)
      runs.push({ code: tty.code, stdout: tty.screen, stderr: '' })
    }
    assert.ok(runs.some((r) => r.code === 0) && runs.some((r) => r.code === 1), 'both successes and failures were exercised')
    assert.ok(runs.some((r) => /the credentials were refused \(publish\.accessKeyId\/secretAccessKey in kiln\.config\.mjs\)/.test(r.stderr)), 'a wrong secret from the config is reported as refused, naming the config')
    // A config that does not load (a bad value beside the secret) quotes the line: masked.
    write(dir, { 'kiln.config.mjs': `export default { publish: { secretAccessKey: '${CANARY}', concurrency: 0 } }\n` })
    runs.push(await kiln(['publish'], { cwd: dir, env: only() }))
    runs.push(await kiln(['publish', '--json'], { cwd: dir, env: only() }))
    assert.match(runs.at(-1).stdout, 'publish.concurrency')
    assertNoCanary(runs, [CANARY, real, 'Signature='])
  } finally {
    remove(dir)
  }
})

Secrets.after(() => s3?.stop())
Secrets.run()
