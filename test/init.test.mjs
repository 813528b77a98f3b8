// kiln init as a user meets it: the real CLI in temp dirs; for each server kind, an empty dir →
// kiln init <kind> → npm install of the packed tarball → npm run build → the server started as
// its start script says, fetched through 127.0.0.2 (which a server bound to 127.0.0.1 does not
// answer, so it proves 0.0.0.0); and the Dockerfile it writes, run stage by stage without Docker.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { init } from '../dist/index.js'
import { kiln, project, remove, sri, tree, write } from './helpers.mjs'
import { installTarball } from './pack.mjs'

const SERVERS = ['express', 'fastify', 'node']
const STARTERS = ['assets/app.ts', 'assets/app.css', 'assets/images/logo.svg']
const OTHER_LOOPBACK = '127.0.0.2'

const readJson = (dir, file) => JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'))
const lines = (stdout, prefix) => stdout.split('\n').filter((l) => l.startsWith(prefix))

function sh(cmd, { cwd, env = {} }) {
  const r = spawnSync('sh', ['-c', cmd], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } })
  return { code: r.status, out: r.stdout + r.stderr }
}

/** A port nothing listens on right now (on every address, as the templates bind). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().once('error', reject).listen(0, '0.0.0.0', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

/** Starts `node file` in `cwd`; resolves once it logs "Listening on URL". The caller kills it. */
function startServer(file, cwd, env) {
  const child = spawn(process.execPath, [file], { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const listening = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      output += d
      const m = /Listening on (\S+)/.exec(output)
      if (m) resolve(m[1])
    })
    child.stderr.on('data', (d) => (output += d))
    child.on('exit', (code) => reject(new Error(`${file} exited (${code}) before listening: ${output}`)))
  })
  return { child, listening }
}

/** Stops a server and waits for it, so its port and files are free before the next step. */
async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill()
  await exited
}

/**
 * The starter page from `origin`: every <link>/<script> URL in it answers 200 with the bytes
 * its integrity attribute names, and the stylesheet's url() (the logo) answers with the source's bytes.
 */
async function checkPage(origin, dir) {
  const res = await fetch(`${origin}/`)
  assert.is(res.status, 200)
  const html = await res.text()
  const tags = [...html.matchAll(/<(link|script)\b[^>]*>/g)].map(([tag, name]) => ({
    name,
    url: /\b(?:href|src)="([^"]+)"/.exec(tag)?.[1],
    integrity: /\bintegrity="([^"]+)"/.exec(tag)?.[1],
  }))
  assert.equal(tags.filter((t) => t.integrity).map((t) => t.name).sort(), ['link', 'script'], html)
  let css = ''
  let cssUrl
  for (const { url, integrity } of tags.filter((t) => t.integrity)) {
    const asset = await fetch(new URL(url, origin))
    assert.is(asset.status, 200, url)
    const bytes = Buffer.from(await asset.arrayBuffer())
    assert.is(sri(bytes), integrity, url)
    if (url.endsWith('.css')) [css, cssUrl] = [bytes.toString('utf8'), new URL(url, origin)]
  }
  const images = [...css.matchAll(/url\(([^)]+)\)/g)].map((m) => m[1].replace(/^["']|["']$/g, ''))
  assert.is(images.length, 1, css)
  const logo = await fetch(new URL(images[0], cssUrl))
  assert.is(logo.status, 200, images[0])
  assert.equal(Buffer.from(await logo.arrayBuffer()), fs.readFileSync(path.join(dir, 'assets/images/logo.svg')))
}

// One installed app per server kind, shared by the suites below and removed at exit.
const apps = new Map()
process.on('exit', () => { for (const dir of apps.values()) remove(dir) })

/** Empty dir → kiln init <kind> → npm install (the tarball as a devDependency; the server from package.json). */
async function installedApp(kind) {
  if (apps.has(kind)) return apps.get(kind)
  const dir = project({}, `kiln-init-${kind}-`)
  apps.set(kind, dir)
  const r = await kiln(['init', kind], { cwd: dir })
  assert.is(r.code, 0, r.stderr)
  installTarball(dir, [], { dev: true })
  return dir
}

const scaffold = suite('kiln init in an empty directory')

scaffold('should write starter sources, the config, the server, .gitignore and a package.json, and return the next commands', async () => {
  const dir = project({}, 'kiln-init-empty-')
  try {
    const r = await kiln(['init', 'express'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    assert.is(lines(r.stdout, 'skipped').length, 0, r.stdout)
    for (const f of ['kiln.config.mjs', ...STARTERS, 'server.mjs', 'package.json']) assert.ok(lines(r.stdout, 'wrote').includes(`wrote   ${f}`), f)
    assert.match(fs.readFileSync(path.join(dir, 'assets/app.css'), 'utf8'), 'url(images/logo.svg)')
    assert.is(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8'), 'node_modules/\n.kiln-cache/\npublic/assets/\n')
    const pkg = readJson(dir, 'package.json')
    assert.equal([pkg.type, pkg.private], ['module', true])
    assert.equal(pkg.scripts, { build: 'kiln build', 'heroku-postbuild': 'npm run build', start: 'node server.mjs' })
    assert.equal(Object.keys(pkg.dependencies), ['express'])
    assert.match(pkg.dependencies.express, /^\^5\./)
    // The API's `next`, which the CLI does not print yet; in a fresh dir, without a server kind.
    const bare = project({}, 'kiln-init-bare-')
    try {
      assert.equal(init({ cwd: bare }).next, ['npm install -D kiln-assets', 'npm run build', 'npx kiln verify'])
      assert.is(readJson(bare, 'package.json').scripts.start, undefined, 'no start script without a server')
      assert.equal(init({ cwd: bare, templates: ['node'] }).next, ['npm install -D kiln-assets', 'npm run build', 'npm start'])
    } finally {
      remove(bare)
    }
  } finally {
    remove(dir)
  }
})

scaffold('should reject an unknown template and a second server kind', async () => {
  const dir = project({}, 'kiln-init-bad-')
  try {
    const bad = await kiln(['init', 'dockerfle'], { cwd: dir })
    assert.is(bad.code, 2)
    assert.match(bad.stderr, 'Unknown template "dockerfle"')
    assert.match(bad.stderr, 'did you mean "dockerfile"?')
    const two = await kiln(['init', 'express', 'fastify'], { cwd: dir })
    assert.is(two.code, 2)
    assert.match(two.stderr, 'Choose one server template, not express and fastify')
    assert.equal(fs.readdirSync(dir), [], 'nothing written on a usage error')
  } finally {
    remove(dir)
  }
})

scaffold.run()

const existing = suite('kiln init in an existing project')

existing('should never overwrite, say what it skipped and why, append only missing .gitignore lines, and be a no-op the second time', async () => {
  const mine = {
    'assets/app.ts': 'export const mine = 1\n',
    '.gitignore': '/node_modules\ndist',
    'package.json': JSON.stringify({ name: 'mine', scripts: { build: 'tsc', start: 'node app.js', test: 'uvu' } }, null, '\t') + '\n',
  }
  const dir = project(mine, 'kiln-init-existing-')
  try {
    const r = await kiln(['init', 'fastify'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    assert.is(fs.readFileSync(path.join(dir, 'assets/app.ts'), 'utf8'), mine['assets/app.ts'])
    assert.not.ok(fs.existsSync(path.join(dir, 'assets/app.css')), 'no starters beside the project’s own sources')
    assert.match(r.stdout, 'skipped starter sources assets/app.css, assets/app.ts, assets/images/logo.svg (assets/ already has files; --force writes them)')
    assert.match(r.stdout, 'skipped package.json script "build" (it is "tsc"; kept, so Kiln\'s build is "build:assets")')
    assert.match(r.stdout, 'skipped package.json script "start" (it is "node app.js"; --force replaces it)')
    const pkg = readJson(dir, 'package.json')
    assert.equal(pkg.scripts, { build: 'tsc', start: 'node app.js', test: 'uvu', 'build:assets': 'kiln build', 'heroku-postbuild': 'npm run build && npm run build:assets' })
    assert.ok(fs.readFileSync(path.join(dir, 'package.json'), 'utf8').startsWith('{\n\t"name"'), 'the file keeps its indentation')
    assert.ok(pkg.dependencies.fastify)
    assert.is(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8'), '/node_modules\ndist\n.kiln-cache/\npublic/assets/\n')
    assert.equal(init({ cwd: dir }).next, ['npm install -D kiln-assets', 'npm run build:assets', 'npm start'])

    const before = tree(dir)
    const again = await kiln(['init', 'fastify'], { cwd: dir })
    assert.is(again.code, 0, again.stderr)
    assert.equal(lines(again.stdout, 'wrote'), [], again.stdout)
    assert.match(again.stdout, 'skipped server.mjs (exists; --force replaces it)')
    assert.match(again.stdout, 'skipped .gitignore (already ignores node_modules/, .kiln-cache/, public/assets/)')
    assert.equal(tree(dir), before, 'a second kiln init changes nothing')

    const forced = await kiln(['init', '--force'], { cwd: dir })
    assert.is(forced.code, 0, forced.stderr)
    assert.match(forced.stdout, 'wrote   assets/app.ts')
    assert.is(readJson(dir, 'package.json').scripts.build, 'tsc', '--force never replaces a build that is not Kiln’s')
  } finally {
    remove(dir)
  }
})

existing('should name the server the project starts in the Dockerfile it writes, and say when that file is missing', async () => {
  const dir = project({ 'package.json': JSON.stringify({ name: 'x', scripts: { start: 'node src/main.js' } }), 'src/main.js': '' }, 'kiln-init-docker-')
  try {
    const r = await kiln(['init', 'dockerfile'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    assert.match(fs.readFileSync(path.join(dir, 'Dockerfile'), 'utf8'), /^CMD \["node", "src\/main\.js"\]$/m)
    fs.rmSync(path.join(dir, 'src/main.js'))
    const forced = await kiln(['init', 'dockerfile', '--force'], { cwd: dir })
    assert.match(forced.stdout, 'wrote   Dockerfile (its CMD runs src/main.js, which is not here yet: write it, or run kiln init node)')
  } finally {
    remove(dir)
  }
})

existing('should stop before writing anything when package.json is not JSON, and keep a config of another name', async () => {
  const dir = project({ 'package.json': '{"name": ' }, 'kiln-init-broken-')
  try {
    const r = await kiln(['init', 'node'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, 'Cannot read package.json')
    assert.equal(fs.readdirSync(dir), ['package.json'])
    write(dir, { 'package.json': '{"name": "x"}', 'kiln.config.ts': 'export default {}\n' })
    const ok = await kiln(['init'], { cwd: dir })
    assert.match(ok.stdout, 'skipped kiln.config.mjs (kiln.config.ts is the config here)')
    assert.not.ok(fs.existsSync(path.join(dir, 'kiln.config.mjs')))
  } finally {
    remove(dir)
  }
})

existing.run()

const servers = suite('server templates, installed as a user would')

for (const kind of SERVERS) {
  servers(`should build and serve the starter page and its assets on 0.0.0.0:$PORT (${kind})`, async () => {
    const dir = await installedApp(kind)
    const build = sh('npm run build', { cwd: dir })
    assert.is(build.code, 0, build.out)
    const [cmd, file] = readJson(dir, 'package.json').scripts.start.split(' ')
    assert.is(cmd, 'node')
    const port = await freePort()
    const { child, listening } = startServer(file, dir, { PORT: String(port) })
    try {
      assert.is(await listening, `http://localhost:${port}/`)
      await checkPage(`http://${OTHER_LOOPBACK}:${port}`, dir)
    } finally {
      await stop(child)
    }
  })
}

servers('should listen only where HOST says', async () => {
  const dir = await installedApp('node')
  if (!fs.existsSync(path.join(dir, 'public/assets/manifest.json'))) assert.is(sh('npm run build', { cwd: dir }).code, 0)
  const port = await freePort()
  const { child, listening } = startServer('server.mjs', dir, { PORT: String(port), HOST: '127.0.0.1' })
  try {
    assert.is(await listening, `http://127.0.0.1:${port}/`)
    assert.is((await fetch(`http://127.0.0.1:${port}/`)).status, 200)
    // The premise of the 0.0.0.0 checks above: 127.0.0.2 does not reach a server on 127.0.0.1.
    await fetch(`http://${OTHER_LOOPBACK}:${port}/`).then(() => assert.unreachable('127.0.0.2 answered'), (err) => assert.is(err.cause?.code, 'ECONNREFUSED'))
  } finally {
    await stop(child)
  }
})

servers.run()

const docker = suite('Dockerfile, run stage by stage')

/** Stages of a Dockerfile: { name, steps: [{ op, args }] } (continuation lines joined). */
function parseDockerfile(text) {
  const stages = []
  for (const line of text.replace(/\\\n/g, ' ').split('\n')) {
    const m = /^([A-Z]+)\s+(.*)$/.exec(line.trim())
    if (!m) continue
    if (m[1] === 'FROM') stages.push({ name: /\bAS\s+(\w+)/i.exec(m[2])?.[1], steps: [] })
    else stages.at(-1).steps.push({ op: m[1], args: m[2] })
  }
  return stages
}

/**
 * Runs one stage in a dir standing for /app: COPY from the context (minus .dockerignore) or
 * from an earlier stage (each source must exist), RUN as a shell script (cache mounts
 * dropped), ENV kept for what follows. Records { dir, env, cmd } as built[stage.name].
 * `inPlace` runs it in the context itself: its COPY sources are checked, not copied, and
 * `npm ci` is left out (the context was just installed from this lockfile; the runtime
 * stage's own `npm ci` proves the lockfile installs), which saves an install per kind.
 */
function runStage(stage, context, built, { inPlace = false } = {}) {
  const dir = inPlace ? context : project({}, `kiln-stage-${stage.name}-`)
  // Registered before any step runs, so the caller removes it even when a step fails.
  built[stage.name] = { dir, env: {}, temp: !inPlace }
  const ignore = fs.readFileSync(path.join(context, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean)
  const ignored = (rel) => ignore.some((i) => rel === i || rel.startsWith(`${i}/`))
  const env = built[stage.name].env
  for (const { op, args } of stage.steps) {
    if (op === 'ENV') for (const [, k, v] of args.matchAll(/(\w+)=(\S+)/g)) env[k] = v
    else if (op === 'COPY') {
      const from = /--from=(\w+)/.exec(args)?.[1]
      const parts = args.replace(/--\w+=\S+\s*/g, '').trim().split(/\s+/)
      const dest = path.join(dir, parts.pop())
      for (const src of parts) {
        const base = from ? built[from].dir : context
        const rel = src.replace(/^\/app\//, '')
        assert.ok(fs.existsSync(path.join(base, rel)), `COPY ${from ? `--from=${from} ` : ''}${src}: no such file`)
        if (inPlace) continue
        if (src === '.') fs.cpSync(context, dest, { recursive: true, filter: (p) => !ignored(path.relative(context, p).split(path.sep).join('/')) })
        else fs.cpSync(path.join(base, rel), parts.length > 1 || dest.endsWith(path.sep) ? path.join(dest, path.basename(rel)) : dest, { recursive: true })
      }
    } else if (op === 'RUN') {
      if (inPlace && /^npm ci\b/.test(args)) continue
      const script = args.replace(/--mount=\S+\s*/g, '').replace(/\/app\//g, `${dir}/`)
      const r = sh(script, { cwd: dir, env })
      assert.is(r.code, 0, `RUN ${args}: ${r.out}`)
    } else if (op === 'CMD') built[stage.name].cmd = JSON.parse(args)
  }
}

for (const kind of SERVERS) {
  docker(`should build in the build stage and serve from the runtime stage with no esbuild or postcss (${kind})`, async () => {
    const app = await installedApp(kind)
    const r = await kiln(['init', 'dockerfile'], { cwd: app })
    assert.is(r.code, 0, r.stderr)
    // The context as a checkout would have it: no build output, no node_modules.
    fs.rmSync(path.join(app, 'public'), { recursive: true, force: true })
    const stages = parseDockerfile(fs.readFileSync(path.join(app, 'Dockerfile'), 'utf8'))
    assert.equal(stages.map((s) => s.name), ['build', 'runtime'])
    const built = {}
    let child
    try {
      for (const stage of stages) runStage(stage, app, built, { inPlace: stage.name === 'build' })
      const runtime = built.runtime
      assert.ok(fs.existsSync(path.join(built.build.dir, 'public/assets/manifest.json')), 'the build stage built')
      const resolves = (name) => sh(`node -e 'require.resolve(${JSON.stringify(name)})'`, { cwd: runtime.dir }).code === 0
      assert.not.ok(resolves('esbuild'), 'esbuild is absent')
      assert.not.ok(resolves('postcss'), 'postcss is absent')
      assert.equal(runtime.cmd, ['node', 'server.mjs'])
      assert.ok(fs.existsSync(path.join(runtime.dir, runtime.cmd[1])), 'the CMD file is in the image')
      const port = await freePort()
      let listening
      ;({ child, listening } = startServer(runtime.cmd[1], runtime.dir, { ...runtime.env, PORT: String(port) }))
      assert.is(await listening, `http://localhost:${port}/`)
      await checkPage(`http://${OTHER_LOOPBACK}:${port}`, app)
    } finally {
      await stop(child)
      for (const { dir, temp } of Object.values(built)) if (temp) remove(dir)
    }
  })
}

docker.run()
