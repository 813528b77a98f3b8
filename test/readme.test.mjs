// The README's commands, run as written. Blocks marked `<!-- readme-test: app -->` run line
// by line in one empty directory, as a newcomer would type them. Two substitutions, both
// because this is not the registry's copy: `npm install -D kiln-assets` installs the packed
// tarball of this checkout, and `npm start` runs in the background on a free port while the
// page and every asset it names are fetched.
import { spawn, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { project, remove, REPO } from './helpers.mjs'
import { pack, userEnv } from './pack.mjs'

/** The commands of every block marked for `kind`, comments stripped, in README order. */
export function readmeCommands(kind) {
  const text = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8')
  const blocks = [...text.matchAll(new RegExp(`<!-- readme-test: ${kind} -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``, 'g'))]
  return blocks.flatMap((b) => b[1].split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean))
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

async function fetchPageAndAssets(port) {
  const base = `http://127.0.0.1:${port}`
  let page
  for (let i = 0; i < 100 && !page; i++) {
    page = await fetch(`${base}/`).then((r) => (r.ok ? r.text() : undefined), () => undefined)
    if (!page) await new Promise((r) => setTimeout(r, 100))
  }
  assert.ok(page, 'the server answers /')
  const tags = [...page.matchAll(/<(?:script|link)[^>]*?(?:src|href)="([^"]+)"[^>]*?integrity="([^"]+)"/g)]
  assert.ok(tags.length >= 2, `the page links its CSS and JS with integrity:\n${page}`)
  for (const [, url, integrity] of tags) {
    const res = await fetch(new URL(url, base))
    assert.is(res.status, 200, url)
    const bytes = Buffer.from(await res.arrayBuffer())
    assert.is(`sha384-${crypto.createHash('sha384').update(bytes).digest('base64')}`, integrity, url)
  }
}

const app = suite('README: Add Kiln to your app')

app('should run every command of the marked blocks in an empty directory', async () => {
  const commands = readmeCommands('app')
  assert.ok(commands.includes('npm install -D kiln-assets'), 'the README installs the package by its npm name')
  assert.ok(commands.includes('npm start'))
  const dir = project({}, 'kiln-readme-')
  const env = userEnv({ npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' })
  try {
    for (const command of commands) {
      if (command === 'npm start') {
        const port = await freePort()
        const server = spawn('npm', ['start'], { cwd: dir, env: { ...env, PORT: String(port) }, stdio: 'ignore', detached: true })
        try {
          await fetchPageAndAssets(port)
        } finally {
          process.kill(-server.pid, 'SIGKILL')
        }
        continue
      }
      const line = command === 'npm install -D kiln-assets' ? `npm install -D ${pack().tarball}` : command
      const r = spawnSync('bash', ['-c', line], { cwd: dir, env, encoding: 'utf8' })
      assert.is(r.status, 0, `${command}\n${r.stdout}\n${r.stderr}`)
    }
    assert.ok(fs.existsSync(path.join(dir, 'public/assets/manifest.json')))
    assert.not.ok(fs.existsSync(path.join(dir, 'node_modules/kiln-assets/test')), 'the installed package has no tests')
  } finally {
    remove(dir)
  }
})

app.run()

const repo = suite('README: Develop Kiln itself')

repo('should build the example app with npm run demo', async () => {
  const commands = readmeCommands('repo')
  // `npm install` is what CI has just done and `npm test` is this run: the rest runs here.
  assert.equal(commands, ['npm install && npm run demo', 'npm test'])
  const r = spawnSync('npm', ['run', 'demo'], { cwd: REPO, encoding: 'utf8' })
  assert.is(r.status, 0, r.stdout + r.stderr)
  assert.ok(fs.existsSync(path.join(REPO, 'templates/example/public/assets/manifest.json')))
})

repo.run()
