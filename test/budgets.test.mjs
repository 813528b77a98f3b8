// Size budgets (issue 18, point 2): over budget fails in CI (--strict or CI=true), warns
// elsewhere, and names the entry, its size, the budget and the three biggest contributors.
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { assetOf, kiln, manifestOf, project, remove, write } from './helpers.mjs'

// Distinct sizes: the package is the biggest, then medium, then small; the entry's own code is tiny.
const text = (n, seed) => Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i * seed + (i >> 3)) % 26))).join('')
function budgetApp() {
  return project({
    'package.json': '{"name":"budget-app","private":true}',
    'node_modules/bigpkg/package.json': '{"name":"bigpkg","main":"index.js"}',
    'node_modules/bigpkg/index.js': `export const big = '${text(6000, 7)}'\n`,
    'assets/lib/medium.ts': `export const medium = '${text(2500, 11)}'\n`,
    'assets/lib/small.ts': `export const small = '${text(900, 13)}'\n`,
    'assets/app.ts': "import { big } from 'bigpkg'\nimport { medium } from './lib/medium'\nimport { small } from './lib/small'\nconsole.log(big.length + medium.length + small.length)\n",
  })
}

/** The entry's real initial size: a build without budgets. */
async function realSize(dir) {
  const r = await kiln(['build', '--no-compress'], { cwd: dir, env: { CI: '' } })
  assert.is(r.code, 0, r.stderr)
  const m = manifestOf(dir)
  const a = assetOf(m, 'app.ts')
  return [a.file, ...(a.imports ?? []), ...(a.css ?? [])].reduce((n, f) => n + m.files[f].size, 0)
}

const withBudgets = (dir, budgets) => write(dir, { 'kiln.config.mjs': `export default { compress: false, budgets: ${JSON.stringify(budgets)} }\n` })

const gate = suite('a budget on an entry')

gate('should pass a budget just above the entry\'s size and fail one just below it in CI, naming entry, size and budget', async () => {
  const dir = budgetApp()
  try {
    const size = await realSize(dir)
    withBudgets(dir, { 'app.ts': size })
    const pass = await kiln(['build'], { cwd: dir, env: { CI: 'true' } })
    assert.is(pass.code, 0, pass.stderr)
    assert.not.match(pass.stderr, /budget/)
    withBudgets(dir, { 'app.ts': size - 1 })
    const fail = await kiln(['build'], { cwd: dir, env: { CI: 'true' } })
    assert.is(fail.code, 1, fail.stderr)
    assert.ok(fail.stderr.includes(`ERROR: app.ts is over its size budget: initial load `), fail.stderr)
    assert.ok(fail.stderr.includes(`(${size} B), budget `), fail.stderr)
    assert.ok(fail.stderr.includes(`(${size - 1} B, "app.ts")`), fail.stderr)
  } finally {
    remove(dir)
  }
})

gate('should only warn outside CI, and fail with --strict', async () => {
  const dir = budgetApp()
  try {
    const size = await realSize(dir)
    withBudgets(dir, { 'app.ts': size - 1 })
    const warn = await kiln(['build'], { cwd: dir, env: { CI: '' } })
    assert.is(warn.code, 0, warn.stderr)
    assert.match(warn.stderr, /WARNING: app\.ts is over its size budget/)
    const off = await kiln(['build'], { cwd: dir, env: { CI: 'false' } })
    assert.is(off.code, 0, off.stderr)
    const strict = await kiln(['build', '--strict'], { cwd: dir, env: { CI: '' } })
    assert.is(strict.code, 1, strict.stderr)
    assert.match(strict.stderr, /ERROR: app\.ts is over its size budget/)
  } finally {
    remove(dir)
  }
})

gate.run()

const contributors = suite('the biggest contributors')

contributors('should name the three biggest modules or packages of the entry, biggest first', async () => {
  const dir = budgetApp()
  try {
    withBudgets(dir, { 'app.ts': 100 })
    const r = await kiln(['build'], { cwd: dir, env: { CI: 'true' } })
    assert.is(r.code, 1, r.stderr)
    const hint = r.stderr.split('\n').find((l) => l.includes('biggest contributors'))
    assert.ok(hint, r.stderr)
    assert.match(hint, /biggest contributors \(minified, before compression\): bigpkg 6\.\d kB, assets\/lib\/medium\.ts 2\.\d kB, assets\/lib\/small\.ts 9\d\d B$/)
  } finally {
    remove(dir)
  }
})

contributors('should name a stylesheet entry\'s biggest @imported files, from its source map', async () => {
  const dir = project({
    'package.json': '{"name":"css-budget","private":true}',
    'assets/site.css': '@import "./partials/big.css";\n@import "./partials/small.css";\nbody { color: red }\n',
    'assets/partials/big.css': Array.from({ length: 60 }, (_, i) => `.big-${i} { margin: ${i}px; padding: ${i + 1}px }`).join('\n') + '\n',
    'assets/partials/small.css': Array.from({ length: 10 }, (_, i) => `.small-${i} { margin: ${i}px }`).join('\n') + '\n',
    'kiln.config.mjs': "export default { budgets: { '*.css': 100 }, cssSourcemap: true }\n",
  })
  try {
    const r = await kiln(['build'], { cwd: dir, env: { CI: 'true' } })
    assert.is(r.code, 1, r.stderr)
    assert.match(r.stderr, /ERROR: site\.css is over its size budget/)
    assert.match(r.stderr, /biggest contributors \(minified, before compression\): assets\/partials\/big\.css \d\.\d kB, assets\/partials\/small\.css \d+ B, assets\/site\.css \d+ B\n/)
  } finally {
    remove(dir)
  }
})

contributors.run()

const json = suite('budgets in --json')

json('should list each budget with the entry, its size, the limit and whether it passed', async () => {
  const dir = budgetApp()
  try {
    const size = await realSize(dir)
    withBudgets(dir, { 'app.ts': size, '*.ts': size - 1 })
    const r = await kiln(['build', '--json'], { cwd: dir, env: { CI: '' } })
    assert.is(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    assert.equal(out.budgets.map((b) => [b.budget, b.name, b.size, b.limit, b.gzip, b.ok]), [['app.ts', 'app.ts', size, size, false, true], ['*.ts', 'app.ts', size, size - 1, false, false]])
    assert.equal(out.budgets[0].contributors.map((c) => c.name), ['bigpkg', 'assets/lib/medium.ts', 'assets/lib/small.ts'])
    assert.ok(out.warnings.some((w) => w.text.startsWith('app.ts is over its size budget')), r.stdout)
  } finally {
    remove(dir)
  }
})

json('should list the budgets in the --json of a build that fails on them too', async () => {
  const dir = budgetApp()
  try {
    const size = await realSize(dir)
    withBudgets(dir, { 'app.ts': size - 1 })
    const r = await kiln(['build', '--json'], { cwd: dir, env: { CI: 'true' } })
    assert.is(r.code, 1)
    const out = JSON.parse(r.stdout)
    assert.is(out.ok, false)
    assert.equal(out.budgets.map((b) => [b.name, b.size, b.limit, b.ok]), [['app.ts', size, size - 1, false]])
    assert.ok(out.errors[0].text.startsWith('app.ts is over its size budget'), r.stdout)
  } finally {
    remove(dir)
  }
})

json('should measure gzip sizes with gzip: true, and total over every file a browser may fetch', async () => {
  const dir = budgetApp()
  try {
    write(dir, { 'assets/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>' })
    withBudgets(dir, { 'app.ts': { initial: '1 MB', gzip: true }, total: '1 MiB' })
    const r = await kiln(['build', '--json'], { cwd: dir, env: { CI: '' } })
    assert.is(r.code, 0, r.stderr)
    const [app, total] = JSON.parse(r.stdout).budgets
    const m = manifestOf(dir)
    const file = m.assets['app.ts']
    assert.is(app.size, zlib.gzipSync(fs.readFileSync(path.join(dir, 'public/assets', file)), { level: 9 }).length)
    assert.is(app.limit, 1000000)
    const browserFiles = Object.keys(m.files).filter((f) => !f.endsWith('.map'))
    assert.is(total.size, browserFiles.reduce((n, f) => n + m.files[f].size, 0))
    assert.is(total.limit, 1024 * 1024)
  } finally {
    remove(dir)
  }
})

json.run()

const config = suite('budgets in the config')

config('should reject a budget that is not a size, and warn about one that matches no entry', async () => {
  const dir = budgetApp()
  try {
    withBudgets(dir, { 'app.ts': 'big' })
    const bad = await kiln(['build'], { cwd: dir, env: { CI: '' } })
    assert.is(bad.code, 1, bad.stderr)
    assert.match(bad.stderr, /Option "budgets" in kiln\.config\.mjs "app\.ts" must be a size such as '150 kB'/)
    withBudgets(dir, { 'nope.ts': '1 kB' })
    const none = await kiln(['build'], { cwd: dir, env: { CI: '' } })
    assert.is(none.code, 0, none.stderr)
    assert.match(none.stderr, /WARNING: Size budget "nope\.ts" matches no entry/)
  } finally {
    remove(dir)
  }
})

config.run()
