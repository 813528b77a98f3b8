// Deploy integrations run for real: the classic buildpack (BUILD_DIR, CACHE_DIR, ENV_DIR),
// the Cloud Native Buildpack (a layers dir) and the CI workflows (parsed as YAML, their
// commands run). kiln init, the server templates and the Dockerfile, each as init writes it
// into an app installed from the packed tarball: test/init.test.mjs.
import { spawnSync } from 'node:child_process'
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
    assert.ok(fs.readFileSync(path.join(app, OUT, manifestOf(app).assets['admin.ts']), 'utf8').includes('\n  '), 'KILN_MINIFY from ENV_DIR')
    assert.ok(fs.existsSync(path.join(cache, 'kiln/state-v2.json')), 'the cache lives in CACHE_DIR')
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
    assert.ok(fs.existsSync(path.join(layers, 'kiln-cache/state-v2.json')))
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
    // The cache both workflows keep is one that kiln init tells git to ignore.
    assert.is((await kiln(['init'], { cwd: app })).code, 0)
    const ignored = fs.readFileSync(path.join(app, '.gitignore'), 'utf8').split('\n')
    for (const dir of [job.env.KILN_CACHE_DIR, gl.assets.variables.KILN_CACHE_DIR]) assert.ok(ignored.includes(`${dir}/`), dir)
    for (const cmd of runs.filter((r) => r.startsWith('npx kiln'))) {
      const r = sh('sh', ['-c', cmd], { cwd: app, env: job.env })
      assert.is(r.code, 0, `${cmd}: ${r.out}`)
    }
    assert.ok(fs.existsSync(path.join(app, job.env.KILN_CACHE_DIR, 'state-v2.json')))
    assert.ok(fs.existsSync(path.join(app, OUT, 'manifest.json')))
  } finally {
    remove(app)
  }
})

workflows.run()
