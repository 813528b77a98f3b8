// The CLI as a user runs it: a child process, exact exit codes and messages.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { spawn } from 'node:child_process'
import { assetEntries, BIN, kiln, manifestOf, project, remove, sampleApp, REPO } from './helpers.mjs'

const help = suite('kiln --help and --version')

help('should print the version from package.json', async () => {
  const { version } = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'))
  const r = await kiln(['--version'])
  assert.is(r.code, 0)
  assert.is(r.stdout.trim(), version)
})

help('should list the build flags', async () => {
  const r = await kiln(['build', '--help'])
  assert.is(r.code, 0)
  for (const flag of ['--root', '--out', '--config', '--public-path', '--entry', '--minify', '--sourcemap', '--strict', '--json', '--quiet']) {
    assert.ok(r.stdout.includes(flag), `help mentions ${flag}`)
  }
})

help('should exit 2 without a command', async () => {
  const r = await kiln([])
  assert.is(r.code, 2)
  assert.match(r.stderr, 'Name a command')
})

help.run()

const usage = suite('usage errors')

usage('should name an unknown flag and the closest valid one, exit 2', async () => {
  const dir = sampleApp()
  try {
    const r = await kiln(['build', '--mnify'], { cwd: dir })
    assert.is(r.code, 2)
    assert.match(r.stderr, 'Unknown option --mnify; did you mean --minify?')
    assert.not.ok(fs.existsSync(path.join(dir, 'public')))
  } finally {
    remove(dir)
  }
})

usage('should name an unknown command', async () => {
  const r = await kiln(['biuld'])
  assert.is(r.code, 2)
  assert.match(r.stderr, 'biuld')
})

usage('should reject an unparsable KILN_ environment value with exit 2', async () => {
  const dir = sampleApp()
  try {
    const r = await kiln(['build'], { cwd: dir, env: { KILN_MINIFY: 'maybe' } })
    assert.is(r.code, 2)
    assert.match(r.stderr, 'KILN_MINIFY=maybe is not a boolean')
  } finally {
    remove(dir)
  }
})

usage.run()

const config = suite('config files')

config('should name an unknown config key and the closest valid one, exit 1', async () => {
  const dir = sampleApp({ 'kiln.config.mjs': "export default { publicPth: '/x/' }\n" })
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, 'Build failed with 1 error:')
    assert.match(r.stderr, 'kiln.config.mjs:1:18: ERROR: Unknown option "publicPth" in kiln.config.mjs')
    assert.match(r.stderr, 'did you mean "publicPath"?')
  } finally {
    remove(dir)
  }
})

config('should reject a wrongly typed option', async () => {
  const dir = sampleApp({ 'kiln.config.json': '{ "minify": "yes" }' })
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, 'Option "minify" in kiln.config.json must be true or false, got "yes"')
  } finally {
    remove(dir)
  }
})

config('should report a config file that throws, with its line', async () => {
  const dir = sampleApp({ 'kiln.config.mjs': "const x = 1\nthrow new Error('boom')\nexport default {}\n" })
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, 'kiln.config.mjs:2:')
    assert.match(r.stderr, 'Config file failed to load: boom')
  } finally {
    remove(dir)
  }
})

config('should point at invalid JSON in kiln.config.json', async () => {
  const dir = sampleApp({ 'kiln.config.json': '{\n  "minify": true,\n}\n' })
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, /kiln\.config\.json:3:1: ERROR: Invalid JSON in config/)
  } finally {
    remove(dir)
  }
})

config('should accept defineConfig from the package in a .mjs config', async () => {
  const dir = sampleApp({
    'kiln.config.mjs': `import { defineConfig } from ${JSON.stringify(path.join(REPO, 'dist/index.js'))}\nexport default defineConfig({ out: 'build/static', publicPath: '/static' })\n`,
  })
  try {
    const r = await kiln(['build', '--quiet'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    assert.is(manifestOf(dir, 'build/static').publicPath, '/static/')
  } finally {
    remove(dir)
  }
})

config('should fail clearly when --config names a missing file', async () => {
  const dir = sampleApp()
  try {
    const r = await kiln(['build', '--config', 'nope.mjs'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, 'Config file not found: nope.mjs')
  } finally {
    remove(dir)
  }
})

config.run()

const precedence = suite('option precedence: flags > environment > config file > defaults')

// One row per option: how to set it in each layer, what each layer should yield, and how to observe it.
const ROWS = [
  { name: 'root', flag: ['--root', 'r-flag'], env: ['KILN_ROOT', 'r-env'], file: { root: 'r-file' },
    expect: { flag: 'r-flag', env: 'r-env', file: 'r-file', default: 'assets' },
    observe: (dir) => ['r-flag', 'r-env', 'r-file', 'assets'].find((r) => anyManifest(dir).assets[`${r}.txt`]) },
  { name: 'out', flag: ['--out', 'o-flag'], env: ['KILN_OUT', 'o-env'], file: { out: 'o-file' },
    expect: { flag: 'o-flag', env: 'o-env', file: 'o-file', default: 'public/assets' },
    observe: (dir) => ['o-flag', 'o-env', 'o-file', 'public/assets'].find((o) => fs.existsSync(path.join(dir, o, 'manifest.json'))) },
  { name: 'publicPath', flag: ['--public-path', '/p-flag/'], env: ['KILN_PUBLIC_PATH', '/p-env/'], file: { publicPath: '/p-file/' },
    expect: { flag: '/p-flag/', env: '/p-env/', file: '/p-file/', default: '/assets/' },
    observe: (dir) => anyManifest(dir).publicPath },
  { name: 'entries', flag: ['--entry', 'e-flag.ts'], env: ['KILN_ENTRIES', 'e-env.ts'], file: { entries: ['e-file.ts'] },
    expect: { flag: ['e-flag.ts'], env: ['e-env.ts'], file: ['e-file.ts'], default: ['e-default.ts', 'e-env.ts', 'e-file.ts', 'e-flag.ts'] },
    observe: (dir) => Object.keys(anyManifest(dir).assets).filter((n) => n.endsWith('.ts')).sort() },
  { name: 'minify', flag: ['--no-minify'], env: ['KILN_MINIFY', 'true'], file: { minify: false },
    expect: { flag: false, env: true, file: false, default: true },
    observe: (dir) => !jsOf(dir).includes('\n  ') },
  { name: 'sourcemap', flag: ['--sourcemap'], env: ['KILN_SOURCEMAP', 'false'], file: { sourcemap: true },
    expect: { flag: true, env: false, file: true, default: true },
    observe: (dir) => 'map' in assetEntries(anyManifest(dir)).find(([, a]) => a.type === 'text/javascript')[1] },
]

function anyManifest(dir) {
  for (const o of ['o-flag', 'o-env', 'o-file', 'public/assets']) {
    const f = path.join(dir, o, 'manifest.json')
    if (fs.existsSync(f)) return JSON.parse(fs.readFileSync(f, 'utf8'))
  }
  throw new Error('no manifest')
}

function jsOf(dir) {
  const m = anyManifest(dir)
  const [, a] = assetEntries(m).find(([, x]) => x.type === 'text/javascript')
  return fs.readFileSync(path.join(dir, 'public/assets', a.file), 'utf8')
}

function precedenceProject() {
  const files = {}
  for (const r of ['r-flag', 'r-env', 'r-file', 'assets']) files[`${r}/${r}.txt`] = r
  for (const e of ['e-flag', 'e-env', 'e-file', 'e-default']) files[`assets/${e}.ts`] = `export function ${e.replace('-', '_')}(a: number) {\n  return a + 1\n}\n`
  return project(files)
}

for (const row of ROWS) {
  for (const layers of [['flag', 'env', 'file'], ['env', 'file'], ['file'], []]) {
    const winner = layers[0] ?? 'default'
    precedence(`should take ${row.name} from the ${winner} when set in [${layers.join(', ') || 'nothing'}]`, async () => {
      const dir = precedenceProject()
      try {
        const args = ['build', '--quiet']
        const env = {}
        if (layers.includes('flag')) args.push(...row.flag)
        if (layers.includes('env')) env[row.env[0]] = row.env[1]
        if (layers.includes('file')) fs.writeFileSync(path.join(dir, 'kiln.config.json'), JSON.stringify(row.file))
        const r = await kiln(args, { cwd: dir, env })
        assert.is(r.code, 0, r.stderr)
        assert.equal(row.observe(dir), row.expect[winner])
      } finally {
        remove(dir)
      }
    })
  }
}

precedence.run()

const output = suite('--json and --quiet')

output('should print one JSON object and nothing else with --json', async () => {
  const dir = sampleApp()
  try {
    const r = await kiln(['build', '--json'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    const lines = r.stdout.trim().split('\n')
    assert.is(lines.length, 1)
    const report = JSON.parse(lines[0])
    assert.is(report.ok, true)
    assert.is(report.manifest, 'public/assets/manifest.json')
    assert.is(report.entries, 3)
    assert.ok(report.files > 5)
    assert.equal(report.errors, [])
    assert.type(report.durationMs, 'number')
  } finally {
    remove(dir)
  }
})

output('should print the failure as JSON with exit 1', async () => {
  const dir = sampleApp({ 'assets/app.ts': 'export const = 1\n' })
  try {
    const r = await kiln(['build', '--json'], { cwd: dir })
    assert.is(r.code, 1)
    const report = JSON.parse(r.stdout)
    assert.is(report.ok, false)
    assert.is(report.errors[0].location.file, 'assets/app.ts')
    assert.is(report.errors[0].location.line, 1)
  } finally {
    remove(dir)
  }
})

output('should print nothing on success with --quiet, and a summary without', async () => {
  const dir = sampleApp()
  try {
    const quiet = await kiln(['build', '--quiet'], { cwd: dir })
    assert.is(quiet.code, 0)
    assert.is(quiet.stdout + quiet.stderr, '')
    const loud = await kiln(['build'], { cwd: dir })
    // The summary line, then the entries' size table (test/report.test.mjs).
    assert.match(loud.stdout, /^Built 3 entries, \d+ files \(.+; 0 written, \d+ unchanged; sources unchanged, compile skipped\) in \d+ ms → public\/assets\/manifest\.json\n  entry .+\n(  \S+ .+\n){3}$/)
  } finally {
    remove(dir)
  }
})

output.run()

const polish = suite('CLI: commands, help and output modes')

polish('should suggest the closest command for a misspelt one, exit 2', async () => {
  const r = await kiln(['buidl'])
  assert.is(r.code, 2)
  assert.match(r.stderr, 'Unknown command "buidl"; did you mean build?')
  const w = await kiln(['wacth'])
  assert.match(w.stderr, 'did you mean watch?')
})

polish('should say what kiln inspect wants when no name is given', async () => {
  const r = await kiln(['inspect'])
  assert.is(r.code, 2)
  assert.match(r.stderr, 'kiln inspect needs a name')
  assert.match(r.stderr, 'kiln inspect app.ts')
})

polish('should show the --no- forms and the environment variables in --help', async () => {
  const r = await kiln(['build', '--help'])
  assert.is(r.code, 0)
  for (const flag of ['--no-minify', '--no-sourcemap', '--no-compress', 'KILN_MINIFY']) assert.ok(r.stdout.includes(flag), `help mentions ${flag}`)
  const top = await kiln(['--help'])
  for (const c of ['build', 'watch', 'clean', 'verify', 'inspect', 'init']) assert.match(top.stdout, new RegExp(`^  ${c}\\b`, 'm'))
})

polish('should describe watch --json as what it prints: one JSON object per build, a line each', async () => {
  const help = await kiln(['watch', '--help'])
  assert.match(help.stdout, /--json\s+Print one JSON object per build, one line each/)
  const dir = sampleApp()
  const child = spawn(process.execPath, [BIN, 'watch', '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  try {
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const lines = async (n) => {
      for (let i = 0; i < 300 && out.split('\n').filter(Boolean).length < n; i++) await new Promise((r) => setTimeout(r, 50))
      return out.split('\n').filter(Boolean)
    }
    assert.is((await lines(1)).length, 1)
    fs.writeFileSync(path.join(dir, 'assets/robots.txt'), 'User-agent: kiln\n')
    const two = await lines(2)
    assert.is(two.length, 2)
    for (const l of two) assert.is(JSON.parse(l).ok, true)
  } finally {
    child.kill('SIGKILL')
    remove(dir)
  }
})

polish('should accept --json and --quiet on every command that prints', async () => {
  const dir = sampleApp()
  try {
    assert.is((await kiln(['build', '--quiet'], { cwd: dir })).code, 0)
    for (const args of [['verify'], ['clean', '--dry-run'], ['inspect', 'app.ts']]) {
      const json = await kiln([...args, '--json'], { cwd: dir })
      assert.is(json.code, 0, `${args[0]} --json: ${json.stderr}`)
      assert.is(JSON.parse(json.stdout).ok, true)
      const quiet = await kiln([...args, '--quiet'], { cwd: dir })
      assert.is(quiet.code, 0, `${args[0]} --quiet: ${quiet.stderr}`)
      assert.is(quiet.stdout + quiet.stderr, '', `${args[0]} --quiet prints nothing`)
    }
    const missing = await kiln(['inspect', 'nope.ts', '--quiet'], { cwd: dir })
    assert.is(missing.code, 1)
    assert.match(missing.stderr, 'nope.ts')
    const empty = project({})
    try {
      const init = await kiln(['init', '--json'], { cwd: empty })
      assert.is(init.code, 0, init.stderr)
      assert.ok(JSON.parse(init.stdout).wrote.includes('kiln.config.mjs'))
      const again = await kiln(['init', '--quiet'], { cwd: empty })
      assert.is(again.stdout + again.stderr, '')
    } finally {
      remove(empty)
    }
  } finally {
    remove(dir)
  }
})

polish('should print the project root it used with --verbose', async () => {
  const dir = sampleApp({ 'package.json': '{"name":"app"}' })
  try {
    const r = await kiln(['build', '--verbose'], { cwd: path.join(dir, 'assets', 'lib') })
    assert.is(r.code, 0, r.stderr)
    assert.match(r.stderr, `project root: ${dir} (package.json`)
    assert.match(r.stderr, /steps \(ms/)
    assert.ok(fs.existsSync(path.join(dir, 'public/assets/manifest.json')))
  } finally {
    remove(dir)
  }
})

polish('should resolve path flags against the shell directory, not the project root', async () => {
  const dir = sampleApp({ 'package.json': '{"name":"app"}', 'sub/.keep': '' })
  try {
    const r = await kiln(['build', '--out', 'here'], { cwd: path.join(dir, 'sub') })
    assert.is(r.code, 0, r.stderr)
    assert.ok(fs.existsSync(path.join(dir, 'sub/here/manifest.json')))
  } finally {
    remove(dir)
  }
})

polish.run()
