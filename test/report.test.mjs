// What a build says about sizes (issue 18): the terminal table under the summary line.
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { kiln, manifestOf, remove, sampleApp, write } from './helpers.mjs'

/** An entry's initial load (entry, static imports, CSS) in gzip bytes: the .gz variant, else the file gzipped (never above its size). */
function initialGzip(dir, m, name) {
  const a = m.assets[name]
  const gz = (f) => m.files[`${f}.gz`]?.size ?? Math.min(m.files[f].size, zlib.gzipSync(fs.readFileSync(path.join(dir, 'public/assets', f)), { level: 9 }).length)
  return [a.file, ...(a.imports ?? []), ...(a.css ?? [])].reduce((n, f) => n + gz(f), 0)
}

const table = suite('the terminal summary table')

table('should list each entry\'s initial gzip size under the summary line, with its change since the last build', async () => {
  const dir = sampleApp()
  try {
    const first = await kiln(['build'], { cwd: dir, env: { CI: '' } })
    assert.is(first.code, 0, first.stderr)
    const m1 = manifestOf(dir)
    const lines = first.stdout.split('\n')
    assert.match(lines[0], /^Built 3 entries, /)
    assert.equal(lines.slice(1).map((l) => l.trim().split(/\s{2,}/)), [
      ['entry', 'initial (gzip)', 'since last build'],
      ['admin.ts', `${initialGzip(dir, m1, 'admin.ts')} B`, 'new'],
      ['app.ts', `${initialGzip(dir, m1, 'app.ts')} B`, 'new'],
      ['site.css', `${initialGzip(dir, m1, 'site.css')} B`, 'new'],
      [''],
    ])
    write(dir, { 'assets/admin.ts': "import { greet } from './lib/shared'\nconsole.log(greet('admin'), greet('and a good deal more text than before'))\n" })
    const second = await kiln(['build'], { cwd: dir, env: { CI: '' } })
    assert.is(second.code, 0, second.stderr)
    const m2 = manifestOf(dir)
    const before = initialGzip(dir, m1, 'admin.ts')
    const after = initialGzip(dir, m2, 'admin.ts')
    assert.ok(after > before)
    const rows = second.stdout.split('\n').slice(2, 5).map((l) => l.trim().split(/\s{2,}/))
    assert.equal(rows, [
      ['admin.ts', `${after} B`, `+${after - before} B (+${(((after - before) / before) * 100).toFixed(1)}%)`],
      ['app.ts', `${initialGzip(dir, m2, 'app.ts')} B`, '±0'],
      ['site.css', `${initialGzip(dir, m2, 'site.css')} B`, '±0'],
    ])
  } finally {
    remove(dir)
  }
})

table('should print no table with --quiet, and sizes with their last build\'s in --json', async () => {
  const dir = sampleApp()
  try {
    await kiln(['build', '--quiet'], { cwd: dir })
    const r = await kiln(['build', '--json'], { cwd: dir })
    const sizes = JSON.parse(r.stdout).sizes
    const m = manifestOf(dir)
    assert.equal(sizes.map((s) => [s.name, s.gzip, s.previous.gzip]), ['admin.ts', 'app.ts', 'site.css'].map((n) => [n, initialGzip(dir, m, n), initialGzip(dir, m, n)]))
  } finally {
    remove(dir)
  }
})

table.run()
