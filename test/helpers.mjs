// Shared test helpers: real temp directories, the real CLI as a child process.
import { spawn, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const BIN = path.join(REPO, 'bin', 'kiln.js')

/** A temp project: `files` maps relative paths to contents (string or Buffer). */
export function project(files = {}, prefix = 'kiln-test-') {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)))
  write(dir, files)
  return dir
}

export function write(dir, files) {
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel)
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, content)
  }
}

export function remove(dir) {
  fs.rmSync(dir, { recursive: true, force: true })
}

/** Runs `kiln …args` in `cwd` with a clean KILN_* environment; resolves { code, stdout, stderr }. */
export function kiln(args, { cwd, env = {} } = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KILN_') && k !== 'ASSET_HOST'))
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...base, NO_COLOR: '1', ...env } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Runs `kiln …args` with a pseudo-terminal (util-linux `script`) as stdin/stdout/stderr; resolves what the terminal showed. */
export function onTerminal(args, cwd, env = {}) {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ')
  const r = spawnSync('script', ['-qfec', command, '/dev/null'], { cwd, encoding: 'utf8', env: { ...process.env, ...env, TERM: 'xterm' } })
  return { code: r.status, screen: r.stdout }
}

/** Every file below `dir` (relative POSIX path → Buffer). */
export function tree(dir) {
  const out = {}
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else out[path.relative(dir, p).split(path.sep).join('/')] = fs.readFileSync(p)
    }
  }
  if (fs.existsSync(dir)) walk(dir)
  return out
}

export function manifestOf(dir, out = 'public/assets') {
  return JSON.parse(fs.readFileSync(path.join(dir, out, 'manifest.json'), 'utf8'))
}

export function sri(bytes) {
  return `sha384-${crypto.createHash('sha384').update(bytes).digest('base64')}`
}

/** A small app: a TS entry with a shared and a lazy module, a CSS entry with a partial and images. */
export function sampleApp(extra = {}) {
  return project({
    'assets/app.ts': "import { greet } from './lib/shared'\nimport './lib/app.css'\nexport const msg: string = greet('app')\nimport('./lib/lazy').then((m) => m.run())\n",
    'assets/admin.ts': "import { greet } from './lib/shared'\nconsole.log(greet('admin'))\n",
    'assets/lib/shared.ts': "export function greet(name: string): string {\n  return 'hello ' + name\n}\n",
    'assets/lib/lazy.ts': "export function run(): void {\n  console.log('lazy')\n}\n",
    'assets/lib/app.css': '.app { background: url(../images/dot.png) }\n',
    'assets/site.css': '@import "./partials/base.css";\n.logo { background: url("images/logo.svg") }\n',
    'assets/partials/base.css': 'body { margin: 0; background: url(../images/dot.png) }\n',
    'assets/images/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    'assets/images/dot.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]),
    'assets/robots.txt': 'User-agent: *\n',
    ...extra,
  })
}
