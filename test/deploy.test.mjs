// Deploy integrations run for real: kiln init, the classic buildpack (BUILD_DIR, CACHE_DIR,
// ENV_DIR), the Cloud Native Buildpack (a layers dir), the CI workflows (parsed as YAML,
// their commands run), and the Dockerfile's stages (build stage run here; runtime stage's
// files started with no esbuild or postcss anywhere).
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import YAML from 'yaml'
import { kiln, manifestOf, project, remove, sampleApp, tree, write, REPO } from './helpers.mjs'

const OUT = 'public/assets'
const TPL = path.join(REPO, 'templates/init')

/** A project that has kiln installed the way npm would: node_modules/kiln-assets and .bin/kiln. */
function appWithKiln(extra = {}) {
  const dir = sampleApp({ 'package.json': JSON.stringify({ name: 'app', private: true, type: 'module', devDependencies: { 'kiln-assets': '*' } }, null, 2), 'package-lock.json': '{}\n', ...extra })
  fs.mkdirSync(path.join(dir, 'node_modules/.bin'), { recursive: true })
  fs.symlinkSync(REPO, path.join(dir, 'node_modules/kiln-assets'))
  fs.symlinkSync(path.join(REPO, 'bin/kiln.js'), path.join(dir, 'node_modules/.bin/kiln'))
  return dir
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env } })
  return { code: r.status, out: r.stdout + r.stderr }
}

const initSuite = suite('kiln init')

initSuite('should write the config and scripts, add templates on request, and never overwrite without --force', async () => {
  const dir = project({ 'package.json': JSON.stringify({ name: 'x', scripts: { 'build:assets': 'custom' } }, null, 2) })
  try {
    const r = await kiln(['init', '--template', 'github-actions', '--template', 'buildpack'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    for (const f of ['kiln.config.mjs', '.github/workflows/assets.yml', 'buildpack/classic/bin/compile', 'buildpack/cnb/buildpack.toml']) {
      assert.ok(fs.existsSync(path.join(dir, f)), f)
      assert.match(r.stdout, `wrote   ${f}`)
    }
    assert.ok(fs.statSync(path.join(dir, 'buildpack/classic/bin/compile')).mode & 0o100, 'executable')
    assert.match(r.stdout, 'skipped package.json script "build:assets" (it is "custom"; --force replaces it)')
    assert.is(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).scripts['heroku-postbuild'], 'kiln build')
    fs.writeFileSync(path.join(dir, 'kiln.config.mjs'), '// mine\n')
    const again = await kiln(['init'], { cwd: dir })
    assert.match(again.stdout, 'skipped kiln.config.mjs (exists; --force replaces it)')
    assert.is(fs.readFileSync(path.join(dir, 'kiln.config.mjs'), 'utf8'), '// mine\n')
    const forced = await kiln(['init', '--force'], { cwd: dir })
    assert.match(forced.stdout, 'wrote   kiln.config.mjs')
    assert.is(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).scripts['build:assets'], 'kiln build')
    const bad = await kiln(['init', '--template', 'dockerfle'], { cwd: dir })
    assert.is(bad.code, 2)
    assert.match(bad.stderr, 'Unknown template "dockerfle"')
    assert.match(bad.stderr, 'did you mean "dockerfile"?')
  } finally {
    remove(dir)
  }
})

initSuite('should scaffold a config that builds as it is', async () => {
  const dir = appWithKiln()
  try {
    await kiln(['init'], { cwd: dir })
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
  } finally {
    remove(dir)
  }
})

initSuite.run()

const classic = suite('classic buildpack')

classic('should detect, compile with the cache in CACHE_DIR and settings from ENV_DIR, reuse the cache, and keep artifacts on failure', async () => {
  const app = appWithKiln()
  const plain = project({ 'package.json': '{"name":"other"}' })
  const cache = project({}, 'kiln-cache-')
  const env = project({ KILN_PUBLIC_PATH: '/static/', KILN_MINIFY: 'false', UNRELATED: 'x' }, 'kiln-env-')
  const bin = path.join(TPL, 'buildpack/buildpack/classic/bin')
  try {
    const yes = sh(path.join(bin, 'detect'), [app])
    assert.equal([yes.code, yes.out.trim()], [0, 'Kiln assets'])
    assert.is(sh(path.join(bin, 'detect'), [plain]).code, 1)
    const first = sh(path.join(bin, 'compile'), [app, cache, env])
    assert.is(first.code, 0, first.out)
    assert.match(first.out, '-----> Building assets with Kiln')
    assert.is(manifestOf(app).publicPath, '/static/', 'KILN_PUBLIC_PATH from ENV_DIR')
    assert.ok(fs.readFileSync(path.join(app, OUT, manifestOf(app).assets['admin.ts'].file), 'utf8').includes('\n  '), 'KILN_MINIFY from ENV_DIR')
    assert.ok(fs.existsSync(path.join(cache, 'kiln/state-v1.json')), 'the cache lives in CACHE_DIR')
    fs.rmSync(path.join(app, 'public'), { recursive: true })
    const second = sh(path.join(bin, 'compile'), [app, cache, env])
    assert.is(second.code, 0, second.out)
    assert.match(second.out, 'sources unchanged, compile skipped')
    const before = tree(path.join(app, OUT))
    write(app, { 'assets/lib/shared.ts': 'export function greet(: string) {}\n' })
    const failed = sh(path.join(bin, 'compile'), [app, cache, env])
    assert.is.not(failed.code, 0)
    assert.match(failed.out, 'Build failed with 1 error:')
    assert.match(failed.out, 'kiln build failed (exit 1); the previous assets are untouched')
    assert.equal(tree(path.join(app, OUT)), before)
    const release = sh(path.join(bin, 'release'), [app])
    assert.equal([release.code, release.out.trim()], [0, '--- {}'])
  } finally {
    for (const d of [app, plain, cache, env]) remove(d)
  }
})

classic.run()

const cnb = suite('Cloud Native Buildpack')

cnb('should build with the cache in a cached layer and settings from the platform env', async () => {
  const app = appWithKiln()
  const layers = project({}, 'kiln-layers-')
  const platform = project({ 'env/KILN_PUBLIC_PATH': '/cdn-assets/' }, 'kiln-platform-')
  const bin = path.join(TPL, 'buildpack/buildpack/cnb/bin')
  const env = { CNB_LAYERS_DIR: layers, CNB_PLATFORM_DIR: platform }
  try {
    assert.match(fs.readFileSync(path.join(TPL, 'buildpack/buildpack/cnb/buildpack.toml'), 'utf8'), /^api = "0\.10"$/m)
    assert.is(sh(path.join(bin, 'detect'), [], { cwd: app }).code, 0)
    const first = sh(path.join(bin, 'build'), [], { cwd: app, env })
    assert.is(first.code, 0, first.out)
    assert.is(fs.readFileSync(path.join(layers, 'kiln-cache.toml'), 'utf8'), '[types]\ncache = true\nbuild = false\nlaunch = false\n')
    assert.ok(fs.existsSync(path.join(layers, 'kiln-cache/state-v1.json')))
    assert.is(manifestOf(app).publicPath, '/cdn-assets/')
    const second = sh(path.join(bin, 'build'), [], { cwd: app, env })
    assert.match(second.out, 'sources unchanged, compile skipped')
  } finally {
    for (const d of [app, layers, platform]) remove(d)
  }
})

cnb.run()

const workflows = suite('CI workflows')

/** The shell commands the README's "Deploying" section shows for CI. */
function readmeCommands() {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Deploying'))
  return [...section.matchAll(/^(npx kiln \w+)$/gm)].map((m) => m[1])
}

workflows('should parse as YAML, keep the Kiln cache, and run the commands the README documents', async () => {
  const documented = readmeCommands()
  assert.equal(documented.slice(0, 2), ['npx kiln build', 'npx kiln verify'])
  const gh = YAML.parse(fs.readFileSync(path.join(TPL, 'github-actions/.github/workflows/assets.yml'), 'utf8'))
  const job = gh.jobs.assets
  const runs = job.steps.filter((s) => s.run).map((s) => s.run)
  assert.equal(runs.filter((r) => r.startsWith('npx kiln')), documented.slice(0, 2))
  const cacheStep = job.steps.find((s) => s.uses?.startsWith('actions/cache'))
  assert.is(cacheStep.with.path, job.env.KILN_CACHE_DIR)
  assert.ok(job.steps.indexOf(cacheStep) > job.steps.findIndex((s) => s.run === 'npm ci'), 'restored after npm ci, which empties node_modules')
  assert.is(job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact')).with.path, OUT)
  const gl = YAML.parse(fs.readFileSync(path.join(TPL, 'gitlab-ci/.gitlab-ci.yml'), 'utf8'))
  assert.equal(gl.assets.script.filter((r) => r.startsWith('npx kiln')), documented.slice(0, 2))
  assert.equal(gl.assets.cache.paths, [`${gl.assets.variables.KILN_CACHE_DIR}/`])
  assert.equal(gl.assets.artifacts.paths, [`${OUT}/`])
  const app = appWithKiln()
  try {
    for (const cmd of runs.filter((r) => r.startsWith('npx kiln'))) {
      const r = sh('sh', ['-c', cmd], { cwd: app, env: job.env })
      assert.is(r.code, 0, `${cmd}: ${r.out}`)
    }
    assert.ok(fs.existsSync(path.join(app, job.env.KILN_CACHE_DIR, 'state-v1.json')))
    assert.ok(fs.existsSync(path.join(app, OUT, 'manifest.json')))
  } finally {
    remove(app)
  }
})

workflows.run()

const docker = suite('Dockerfile')

/** Stages of a Dockerfile: { name, steps: [{ op, args }] } (continuation lines joined). */
function parseDockerfile(text) {
  const stages = []
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    const m = /^(FROM|RUN|COPY|WORKDIR|ENV|CMD|EXPOSE)\s+(.*)$/.exec(line.trim())
    if (!m) continue
    if (m[1] === 'FROM') stages.push({ name: /AS (\w+)/i.exec(m[2])?.[1], steps: [] })
    else stages.at(-1).steps.push({ op: m[1], args: m[2] })
  }
  return stages
}

docker('should build in its build stage and run from its runtime stage with no esbuild or postcss present', async () => {
  const server = `import http from 'node:http'
import { loadManifest } from 'kiln-assets/runtime'
import { serveAssets } from 'kiln-assets/serve'
const assets = loadManifest()
const serve = serveAssets()
const server = http.createServer((req, res) => serve(req, res, () => res.writeHead(200, { 'content-type': 'text/html' }).end(assets.tags('app.ts'))))
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log(server.address().port))
`
  const app = appWithKiln({ 'server.mjs': server })
  const runtime = project({}, 'kiln-runtime-image-')
  let child
  try {
    fs.copyFileSync(path.join(TPL, 'dockerfile/.dockerignore'), path.join(app, '.dockerignore'))
    const [build, run] = parseDockerfile(fs.readFileSync(path.join(TPL, 'dockerfile/Dockerfile'), 'utf8'))
    assert.equal([build.name, run.name], ['build', 'runtime'])
    // Build stage: dependencies are already installed here (no network in tests); run the rest.
    for (const step of build.steps.filter((s) => s.op === 'RUN' && !/^npm ci\b/.test(s.args))) {
      const r = sh('sh', ['-c', step.args.replace(/--mount=\S+\s*/g, '').replace(/\/app\//g, `${app}/`)], { cwd: app })
      assert.is(r.code, 0, `${step.args}: ${r.out}`)
    }
    assert.ok(fs.existsSync(path.join(app, OUT, 'manifest.json')))
    // Runtime stage: its COPY lines, from the context (minus .dockerignore) or from the build stage.
    const ignore = fs.readFileSync(path.join(app, '.dockerignore'), 'utf8').split('\n').filter(Boolean)
    for (const step of run.steps) {
      if (step.op === 'RUN') {
        assert.match(step.args, /^npm ci --omit=dev$/, 'the runtime stage installs production dependencies only')
        assert.equal(Object.keys(JSON.parse(fs.readFileSync(path.join(app, 'package.json'), 'utf8')).dependencies ?? {}), [], 'kiln is a devDependency')
        continue
      }
      if (step.op !== 'COPY') continue
      const from = /--from=(\w+)/.exec(step.args)
      const parts = step.args.replace(/--from=\w+\s*/, '').split(/\s+/)
      const dest = path.join(runtime, parts.pop().replace(/^\.\/?$/, ''))
      for (const src of parts) {
        if (from) fs.cpSync(path.join(app, src.replace(/^\/app\//, '')), dest, { recursive: true, dereference: true })
        else if (src === '.') fs.cpSync(app, dest, { recursive: true, filter: (p) => !ignore.some((i) => path.relative(app, p) === i || path.relative(app, p).startsWith(`${i}/`)) })
        else fs.copyFileSync(path.join(app, src), path.join(dest, src))
      }
    }
    const resolve = (name) => sh(process.execPath, ['-e', `require.resolve(${JSON.stringify(name)})`], { cwd: runtime }).code
    assert.is.not(resolve('esbuild'), 0, 'esbuild is absent')
    assert.is.not(resolve('postcss'), 0, 'postcss is absent')
    assert.ok(fs.existsSync(path.join(runtime, OUT, 'manifest.json')), 'the built assets come from the build stage')
    const [cmd, ...args] = JSON.parse(run.steps.find((s) => s.op === 'CMD').args)
    child = spawn(cmd === 'node' ? process.execPath : cmd, args, { cwd: runtime, env: { PATH: process.env.PATH, PORT: '0' } })
    const port = await new Promise((resolve, reject) => {
      child.stderr.on('data', (d) => reject(new Error(String(d))))
      child.stdout.once('data', (d) => resolve(Number(String(d).trim())))
    })
    const page = await (await fetch(`http://127.0.0.1:${port}/`)).text()
    const src = /src="([^"]+)"/.exec(page)[1]
    const asset = await fetch(`http://127.0.0.1:${port}${src}`)
    assert.is(asset.status, 200)
    assert.is(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable')
  } finally {
    child?.kill()
    remove(app)
    remove(runtime)
  }
})

docker.run()

const servers = suite('server templates')

for (const [template, file, pkg] of [['express', 'express-server.mjs', 'express'], ['fastify', 'fastify-server.mjs', 'fastify']]) {
  servers(`should serve the page and assets from the ${template} template`, async () => {
    const app = appWithKiln()
    let child
    try {
      fs.symlinkSync(path.join(REPO, 'node_modules', pkg), path.join(app, 'node_modules', pkg))
      assert.is((await kiln(['init', '--template', template], { cwd: app })).code, 0)
      assert.is((await kiln(['build'], { cwd: app })).code, 0)
      const port = 20000 + Math.floor(Math.random() * 20000)
      child = spawn(process.execPath, [file], { cwd: app, env: { PATH: process.env.PATH, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] })
      let html = ''
      for (let i = 0; i < 100 && !html; i++) {
        await new Promise((r) => setTimeout(r, 50))
        html = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text(), () => '')
      }
      assert.match(html, /<script type="module" src="\/assets\/app-[A-Z2-7]{8}\.js" integrity="sha384-/)
      for (const [, url] of html.matchAll(/(?:href|src)="([^"]+)"/g)) {
        const r = await fetch(`http://127.0.0.1:${port}${url}`)
        assert.is(r.status, 200, url)
        assert.is(r.headers.get('cache-control'), 'public, max-age=31536000, immutable')
      }
      assert.is((await fetch(`http://127.0.0.1:${port}/assets/nope.js`)).status, 404)
    } finally {
      child?.kill()
      remove(app)
    }
  })
}

servers.run()
