// The deploy lifecycle with real files, real servers and the CLI as a child process: a
// rolling deploy with kiln clean, clean racing builds, verify's findings, watch, inspect.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { assetOf, kiln, manifestOf, project, remove, sampleApp, tree, write, REPO } from './helpers.mjs'

const OUT = 'public/assets'

async function ok(dir, args, env) {
  const r = await kiln(args, { cwd: dir, env })
  assert.is(r.code, 0, `kiln ${args.join(' ')}: ${r.stderr}${r.stdout}`)
  return r
}

/** A server process on v-whatever: loads the manifest at boot, serves with kiln-assets/serve. */
function startServer(dir) {
  const script = `
    import http from 'node:http'
    import { loadManifest } from ${JSON.stringify(path.join(REPO, 'dist/runtime/index.js'))}
    import { serveAssets } from ${JSON.stringify(path.join(REPO, 'dist/runtime/serve.js'))}
    const manifest = ${JSON.stringify(path.join(dir, OUT, 'manifest.json'))}
    const assets = loadManifest(manifest, { env: {} })
    const serve = serveAssets({ manifest, env: {} })
    const server = http.createServer(serve).listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })))
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve) => child.stdout.once('data', (d) => resolve({ child, port: JSON.parse(d).port })))
}

const rolling = suite('kiln clean in a rolling deploy')

rolling('should keep serving v1 from an old process, then remove only what no kept build needs', async () => {
  const dir = sampleApp()
  let server
  try {
    await ok(dir, ['build'])
    const v1 = manifestOf(dir)
    server = await startServer(dir)
    write(dir, { 'assets/lib/lazy.ts': "export function run(): void {\n  console.log('lazy v2')\n}\n", 'assets/images/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"><g id="v2"/></svg>' })
    await ok(dir, ['build'])
    const clean1 = JSON.parse((await ok(dir, ['clean', '--json'])).stdout)
    assert.is(clean1.removed.length, 0, 'nothing is old enough or far enough back yet')
    for (const f of Object.keys(v1.files)) {
      const r = await fetch(`http://127.0.0.1:${server.port}/assets/${f}`)
      assert.is(r.status, 200, `v1 file ${f} still served by the v1 process`)
      await r.arrayBuffer()
    }
    write(dir, { 'assets/lib/lazy.ts': "export function run(): void {\n  console.log('lazy v3')\n}\n" })
    await ok(dir, ['build'])
    const v3 = manifestOf(dir)
    write(dir, { 'assets/lib/lazy.ts': "export function run(): void {\n  console.log('lazy v4')\n}\n" })
    await ok(dir, ['build'])
    const v4 = manifestOf(dir)
    const r = JSON.parse((await ok(dir, ['clean', '--age', '0', '--keep', '1', '--json'])).stdout)
    const removed = new Set(r.removed.map((f) => f.file))
    const v1Only = Object.keys(v1.files).filter((f) => !v3.files[f] && !v4.files[f])
    assert.ok(v1Only.length > 0)
    for (const f of v1Only) assert.ok(removed.has(f), `v1-only ${f} removed`)
    for (const f of [...Object.keys(v3.files), ...Object.keys(v4.files)]) assert.ok(fs.existsSync(path.join(dir, OUT, f)), `${f} kept`)
    const kept = new Set(['manifest.json', ...Object.keys(v3.files), ...Object.keys(v4.files)])
    const history = fs.readdirSync(path.join(dir, OUT, 'manifests'))
    assert.is(history.length, 2, 'the current and one earlier manifest')
    for (const h of history) kept.add(`manifests/${h}`)
    for (const f of Object.keys(tree(path.join(dir, OUT)))) assert.ok(kept.has(f), `${f} is listed by a kept manifest`)
    assert.equal(r.unknown, [])
  } finally {
    server?.child.kill()
    remove(dir)
  }
})

rolling('should only report with --dry-run, and leave files no manifest listed', async () => {
  const dir = sampleApp()
  try {
    await ok(dir, ['build'])
    write(dir, { 'assets/robots.txt': 'User-agent: v2\n', [`${OUT}/stranger.txt`]: 'not ours' })
    await ok(dir, ['build'])
    const before = tree(path.join(dir, OUT))
    const dry = await ok(dir, ['clean', '--dry-run', '--age', '0', '--keep', '0'])
    assert.match(dry.stdout, /would remove robots-[A-Z2-7]{8}\.txt/)
    assert.match(dry.stdout, /Would remove \d+ files, .+; kept \d+\.\nLeft alone \(no manifest ever listed them\): stranger\.txt/)
    assert.equal(tree(path.join(dir, OUT)), before)
    await ok(dir, ['clean', '--age', '0', '--keep', '0'])
    assert.ok(fs.existsSync(path.join(dir, OUT, 'stranger.txt')))
    assert.is((await ok(dir, ['verify'])).code, 0)
  } finally {
    remove(dir)
  }
})

rolling('should never break the manifest when clean and builds run at once', async () => {
  const dir = sampleApp()
  try {
    await ok(dir, ['build'])
    for (let i = 0; i < 6; i++) {
      write(dir, { 'assets/lib/lazy.ts': `export function run(): void {\n  console.log('round ${i}')\n}\n` })
      const runs = await Promise.all([kiln(['build'], { cwd: dir }), kiln(['clean', '--age', '0', '--keep', '0'], { cwd: dir }), kiln(['build'], { cwd: dir })])
      for (const r of runs) assert.is(r.code, 0, r.stderr)
      assert.is((await kiln(['verify'], { cwd: dir })).code, 0, `round ${i}`)
      assert.not.ok(Object.keys(tree(path.join(dir, OUT))).some((f) => f.includes('.kiln-tmp') || f.endsWith('.kiln.lock')))
    }
  } finally {
    remove(dir)
  }
})

rolling.run()

const verifying = suite('kiln verify')

verifying('should pass a fresh build and catch each kind of damage with its own message', async () => {
  const dir = sampleApp()
  try {
    await ok(dir, ['build'])
    const pass = await ok(dir, ['verify'])
    assert.match(pass.stdout, /^OK: public\/assets\/manifest\.json lists \d+ files/)
    const m = manifestOf(dir)
    const file = (name) => path.join(dir, OUT, m.assets[name])
    const damage = [
      ['a deleted file', () => fs.rmSync(file('robots.txt')), `${m.assets['robots.txt']}: missing`],
      ['a truncated file', () => fs.truncateSync(file('site.css'), 10), `${m.assets['site.css']}: is 10 bytes, the manifest says ${assetOf(m, 'site.css').size} (truncated or replaced)`],
      ['a flipped byte', () => {
        const b = fs.readFileSync(file('images/logo.svg'))
        b[3] ^= 1
        fs.writeFileSync(file('images/logo.svg'), b)
      }, `${m.assets['images/logo.svg']}: does not match its integrity (its bytes changed)`],
    ]
    fs.cpSync(path.join(dir, OUT), path.join(dir, 'pristine'), { recursive: true })
    for (const [what, hurt, message] of damage) {
      hurt()
      const r = await kiln(['verify'], { cwd: dir })
      assert.is(r.code, 1, what)
      assert.match(r.stderr, message, what)
      assert.is(r.stderr.split('\n').filter((l) => l.startsWith('  ')).length, 1, `${what}: exactly one problem`)
      fs.rmSync(path.join(dir, OUT), { recursive: true })
      fs.cpSync(path.join(dir, 'pristine'), path.join(dir, OUT), { recursive: true })
    }
    const json = JSON.parse(fs.readFileSync(path.join(dir, OUT, 'manifest.json'), 'utf8'))
    json.files[json.assets['app.ts']].css = ['nowhere.css']
    fs.writeFileSync(path.join(dir, OUT, 'manifest.json'), JSON.stringify(json))
    const outside = await kiln(['verify', '--json'], { cwd: dir })
    assert.is(outside.code, 1)
    assert.match(JSON.parse(outside.stdout).problems[0].text, `files[${JSON.stringify(json.assets['app.ts'])}].css[0] names a file that is not in "files"`)
    fs.writeFileSync(path.join(dir, OUT, 'manifest.json'), '{ "version": 1, "assets": ')
    const malformed = await kiln(['verify'], { cwd: dir })
    assert.is(malformed.code, 1)
    assert.match(malformed.stderr, 'public/assets/manifest.json is not valid JSON')
  } finally {
    remove(dir)
  }
})

verifying.run()

const inspecting = suite('kiln inspect')

inspecting('should show how a name resolves, answer for output files, and suggest close names', async () => {
  const dir = sampleApp()
  try {
    await ok(dir, ['build'])
    const m = manifestOf(dir)
    const r = await ok(dir, ['inspect', 'app.ts'])
    for (const part of [`file:       ${m.assets['app.ts']}`, `url:        /assets/${m.assets['app.ts']}`, `integrity:  ${assetOf(m, 'app.ts').integrity}`, `css:        ${assetOf(m, 'app.ts').css[0]}`, `lazy:       ${assetOf(m, 'app.ts').dynamicImports[0]}`]) {
      assert.ok(r.stdout.includes(part), `${part}\n${r.stdout}`)
    }
    const json = JSON.parse((await ok(dir, ['inspect', 'app.ts', '--json'])).stdout)
    assert.is(json.asset.file, m.assets['app.ts'])
    const chunk = assetOf(m, 'app.ts').imports[0]
    const byFile = await ok(dir, ['inspect', chunk])
    assert.match(byFile.stdout, /used by: admin\.ts, app\.ts/)
    const miss = await kiln(['inspect', 'app.js'], { cwd: dir })
    assert.is(miss.code, 1)
    assert.is(miss.stderr, "error: 'app.js' is not in public/assets/manifest.json\n  hint: did you mean 'app.ts'?\n")
  } finally {
    remove(dir)
  }
})

inspecting.run()

const watching = suite('kiln watch')

function untilOutput(child, re, ms = 20000) {
  return new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; saw:\n${seen}`)), ms)
    const on = (d) => {
      seen += d
      if (re.test(seen)) {
        clearTimeout(timer)
        child.stdout.off('data', on)
        child.stderr.off('data', on)
        resolve(seen)
      }
    }
    child.stdout.on('data', on)
    child.stderr.on('data', on)
  })
}

watching('should rebuild on changes, keep the last good manifest on errors, recover, and stop cleanly', async () => {
  const dir = sampleApp()
  const child = spawn(process.execPath, [path.join(REPO, 'bin/kiln.js'), 'watch'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  try {
    await untilOutput(child, /Built 3 entries/)
    const { loadManifest } = await import('../dist/runtime/index.js')
    const live = loadManifest(path.join(dir, OUT, 'manifest.json'), { reload: true, env: {} })
    const first = live.url('images/logo.svg')
    write(dir, { 'assets/images/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"><g id="watched"/></svg>' })
    await untilOutput(child, /Built 3 entries/)
    await new Promise((r) => setTimeout(r, 1100))
    assert.is.not(live.url('images/logo.svg'), first, 'an app with reload: true sees the new manifest')
    const good = fs.readFileSync(path.join(dir, OUT, 'manifest.json'))
    write(dir, { 'assets/lib/shared.ts': 'export function greet(name: string {\n' })
    await untilOutput(child, /Build failed with 1 error:\nassets\/lib\/shared\.ts:1:/)
    assert.ok(fs.readFileSync(path.join(dir, OUT, 'manifest.json')).equals(good), 'the last good manifest stays')
    write(dir, { 'assets/lib/shared.ts': "export function greet(name: string): string {\n  return 'fixed ' + name\n}\n" })
    await untilOutput(child, /Built 3 entries/)
    assert.not.ok(fs.readFileSync(path.join(dir, OUT, 'manifest.json')).equals(good))
    write(dir, { 'kiln.config.json': JSON.stringify({ minify: false }) })
    await untilOutput(child, /Built 3 entries/)
    const js = fs.readFileSync(path.join(dir, OUT, manifestOf(dir).assets['admin.ts']), 'utf8')
    assert.ok(js.includes('\n  '), 'a config change rebuilds with the new options')
    const code = await new Promise((resolve) => {
      child.on('exit', resolve)
      child.kill('SIGTERM')
    })
    assert.is(code, 0)
    assert.not.ok(Object.keys(tree(path.join(dir, OUT))).some((f) => f.includes('.kiln-tmp') || f.endsWith('.kiln.lock')))
  } finally {
    child.kill('SIGKILL')
    remove(dir)
  }
})

watching.run()

const following = suite('kiln watch with a server that follows the manifest')

following('should serve the new CSS URL after an edit, and still the old one', async () => {
  const dir = sampleApp()
  const child = spawn(process.execPath, [path.join(REPO, 'bin/kiln.js'), 'watch'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  const server = http.createServer()
  try {
    await untilOutput(child, /Built 3 entries/)
    const { loadManifest } = await import('../dist/runtime/index.js')
    const { serveAssets } = await import('../dist/runtime/serve.js')
    const assets = loadManifest(path.join(dir, OUT, 'manifest.json'), { reload: true, env: {} })
    const serve = serveAssets({ assets, env: {} })
    server.on('request', (req, res) => serve(req, res))
    await new Promise((r) => server.listen(0, '127.0.0.1', r))
    const get = (url) => fetch(`http://127.0.0.1:${server.address().port}${url}`).then(async (r) => ({ status: r.status, body: await r.text() }))
    const before = assets.url('site.css')
    assert.is((await get(before)).status, 200)
    write(dir, { 'assets/site.css': '@import "./partials/base.css";\n.logo { color: rebeccapurple }\n' })
    await untilOutput(child, /Built 3 entries/)
    // The runtime checks the manifest's mtime at most once a second; poll until it has.
    let after = before
    for (let i = 0; i < 40 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 100))
      after = assets.url('site.css')
    }
    assert.is.not(after, before, 'the runtime picked up the rebuild')
    const fresh = await get(after)
    assert.is(fresh.status, 200, 'the new CSS URL is served as soon as lookups return it')
    assert.match(fresh.body, /rebeccapurple|#639/)
    assert.is((await get(before)).status, 200, 'a page rendered before the rebuild still gets its CSS')
  } finally {
    server.closeAllConnections()
    await new Promise((r) => server.close(r))
    child.kill('SIGKILL')
    remove(dir)
  }
})

following.run()

const incremental = suite('kiln watch, programmatically')

incremental('should rebuild scripts from esbuild\'s incremental context, and stop cleanly', async () => {
  const dir = sampleApp()
  const { watch } = await import('../dist/index.js')
  const builds = []
  const handle = await watch({ cwd: dir, env: {} }, { onBuild: (r) => builds.push(r), debounceMs: 50 })
  try {
    await handle.settled()
    for (let i = 0; builds.length < 1 && i < 100; i++) await new Promise((r) => setTimeout(r, 50))
    assert.is(builds[0].steps.esbuild, 'full')
    write(dir, { 'assets/lib/lazy.ts': "export function run(): void {\n  console.log('incremental')\n}\n" })
    for (let i = 0; builds.length < 2 && i < 200; i++) await new Promise((r) => setTimeout(r, 50))
    assert.is(builds.length, 2)
    assert.equal(builds[1].steps.compile, ['scripts'])
    assert.is(builds[1].steps.esbuild, 'incremental')
    const lazy = assetOf(builds[1].manifestData, 'app.ts').dynamicImports[0]
    assert.ok(fs.readFileSync(path.join(dir, OUT, lazy), 'utf8').includes('incremental'))
  } finally {
    await handle.stop()
    remove(dir)
  }
})

incremental.run()
