// kiln clean deletes only what is provably Kiln's: files a manifest of this output once named,
// older history manifests, and directories its own removals emptied. It refuses, deleting
// nothing, when the live manifest is invalid or --out is a project/source root, above one, or
// a git checkout; and a source under manifests/ is an artifact, never a history manifest.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { assetOf, kiln, manifestOf, project, remove, sampleApp, tree, write } from './helpers.mjs'

const OUT = 'public/assets'

async function ok(dir, args) {
  const r = await kiln(args, { cwd: dir })
  assert.is(r.code, 0, `kiln ${args.join(' ')}: ${r.stderr}${r.stdout}`)
  return r
}

/** Every file and directory below `dir` (directories with a trailing slash). */
function entries(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)).split(path.sep).join('/') + (e.isDirectory() ? '/' : ''))
    .sort()
}

const dirs = suite('clean: directories')

dirs('should remove only the directories its own removals emptied', async () => {
  const dir = sampleApp({ 'assets/old/deep/only.txt': 'v1 only\n' })
  try {
    await ok(dir, ['build'])
    const v1 = manifestOf(dir)
    const only = v1.assets['old/deep/only.txt']
    fs.rmSync(path.join(dir, 'assets/old'), { recursive: true })
    await ok(dir, ['build'])
    // Directories Kiln never made: empty ones, and one that is empty but for an empty one.
    for (const d of ['uploads', 'cache/tmp', 'old/keep-me']) fs.mkdirSync(path.join(dir, OUT, d), { recursive: true })
    const r = JSON.parse((await ok(dir, ['clean', '--age', '0', '--keep', '0', '--json'])).stdout)
    assert.ok(r.removed.some((f) => f.file === only), 'the v1-only file was removed')
    const after = entries(path.join(dir, OUT))
    for (const d of ['uploads/', 'cache/', 'cache/tmp/', 'old/', 'old/keep-me/']) assert.ok(after.includes(d), `${d} is still there`)
    assert.not.ok(after.includes('old/deep/'), 'the directory clean emptied is gone')
    assert.is((await ok(dir, ['verify'])).code, 0)
  } finally {
    remove(dir)
  }
})

dirs.run()

const live = suite('clean: the live manifest')

live('should refuse, deleting nothing, when the live manifest is not a valid manifest', async () => {
  const dir = sampleApp()
  try {
    await ok(dir, ['build'])
    write(dir, { 'assets/lib/lazy.ts': "export function run(): void {\n  console.log('v2')\n}\n" })
    await ok(dir, ['build'])
    const m = manifestOf(dir)
    const broken = {
      'not JSON': '{"version": 1, "files": {',
      'no assets': JSON.stringify({ version: 2, publicPath: '/assets/', files: {} }),
      'a file without a size': JSON.stringify({ ...m, files: { ...m.files, [m.assets['app.ts']]: { integrity: assetOf(m, 'app.ts').integrity } } }),
      'another version': JSON.stringify({ ...m, version: 3 }),
      'a version 1 manifest': JSON.stringify({ ...m, version: 1 }),
      'a path outside the directory': JSON.stringify({ ...m, files: { ...m.files, '../../package.json': { integrity: assetOf(m, 'app.ts').integrity, size: 1 } } }),
    }
    for (const [what, text] of Object.entries(broken)) {
      fs.writeFileSync(path.join(dir, OUT, 'manifest.json'), text)
      const before = tree(dir)
      const r = await kiln(['clean', '--age', '0', '--keep', '0'], { cwd: dir })
      assert.is(r.code, 1, `${what}: ${r.stdout}`)
      assert.match(r.stderr, `Refusing to clean: ${OUT}/manifest.json `, what)
      assert.match(r.stderr, 'nothing was removed', what)
      assert.not.match(r.stderr, /at \w+ \(|TypeError|SyntaxError:/, `${what}: no stack or internal error`)
      assert.equal(tree(dir), before, `${what}: nothing changed`)
    }
  } finally {
    remove(dir)
  }
})

live.run()

const outs = suite('clean: directories that are not an artifact directory')

outs('should refuse an --out that is the project root, above it, the source root, or holds .git, changing nothing', async () => {
  const outer = project({}, 'kiln-clean-outer-')
  try {
    const dir = path.join(outer, 'app')
    fs.renameSync(sampleApp(), dir)
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "app", "private": true }\n')
    await ok(dir, ['build'])
    const manifest = fs.readFileSync(path.join(dir, OUT, 'manifest.json'))
    // A valid manifest in each place clean could be pointed at, and what a checkout has.
    for (const d of ['app/.git/refs/heads', 'app/.git/refs/tags', 'app/vendor/site/.git/objects/info', 'app/vendor/site/.git/refs', 'empty']) fs.mkdirSync(path.join(outer, d), { recursive: true })
    for (const at of ['', 'app', 'app/assets', 'app/vendor/site']) fs.writeFileSync(path.join(outer, at, 'manifest.json'), manifest)
    fs.writeFileSync(path.join(outer, 'app/.git/HEAD'), 'ref: refs/heads/main\n')
    const before = entries(outer)
    const cases = [
      ['.', 'it is the project root'],
      ['..', 'it contains the project root'],
      ['assets', 'it is the source root'],
      ['vendor/site', 'it contains .git'],
      ['.git/refs', 'it is inside .git'],
    ]
    for (const [out, why] of cases) {
      const r = await kiln(['clean', '--out', out, '--age', '0', '--keep', '0'], { cwd: dir })
      assert.is(r.code, 1, `--out ${out}: ${r.stdout}`)
      assert.match(r.stderr, `Refusing to clean ${out === '.' ? '.' : out}: ${why}`, `--out ${out}`)
      assert.equal(entries(outer), before, `--out ${out}: nothing changed`)
    }
  } finally {
    remove(outer)
  }
})

outs.run()

const history = suite('clean: history manifests')

history('should not let a source file under manifests/ displace a history manifest', async () => {
  const dir = sampleApp({ 'assets/manifests/data.json': '{ "v": 1 }\n' })
  try {
    await ok(dir, ['build'])
    write(dir, { 'assets/lib/lazy.ts': "export function run(): void {\n  console.log('v2')\n}\n" })
    await ok(dir, ['build'])
    const v2 = manifestOf(dir)
    // v3 writes a new manifests/data-HASH.json: newer than v2's history copy.
    write(dir, { 'assets/lib/lazy.ts': "export function run(): void {\n  console.log('v3')\n}\n", 'assets/manifests/data.json': '{ "v": 3 }\n' })
    await ok(dir, ['build'])
    const v3 = manifestOf(dir)
    assert.match(v3.assets['manifests/data.json'], /^manifests\/data-[A-Z2-7]{8}\.json$/)
    await ok(dir, ['clean', '--age', '0', '--keep', '1'])
    for (const f of [...Object.keys(v2.files), ...Object.keys(v3.files)]) assert.ok(fs.existsSync(path.join(dir, OUT, f)), `${f} kept: the previous build is kept`)
    assert.is((await ok(dir, ['verify'])).code, 0)
    assert.is(fs.readdirSync(path.join(dir, OUT, 'manifests')).filter((f) => /^[A-Z2-7]{8}\.json$/.test(f)).length, 2, 'the current and the previous history copies')
  } finally {
    remove(dir)
  }
})

history.run()

const temps = suite('temp files')

temps('should never take a source named *.kiln-tmp for a temp file, and sweep only dead writers\' temp files', async () => {
  const dir = sampleApp({ 'assets/notes.kiln-tmp': 'a source, not a temp file\n', 'assets/deep/.hidden/x': 'skipped', 'assets/old.kiln-tmp': 'v1 only\n' })
  try {
    await ok(dir, ['build'])
    const v1 = manifestOf(dir)
    fs.rmSync(path.join(dir, 'assets/old.kiln-tmp'))
    await ok(dir, ['build'])
    const v2 = manifestOf(dir)
    const out = path.join(dir, OUT)
    // A build killed mid-way: its stale lock and its temp files; and a live process's temp file.
    const dead = await (async () => {
      const { spawn } = await import('node:child_process')
      const child = spawn(process.execPath, ['-e', ''])
      await new Promise((r) => child.on('exit', r))
      return child.pid
    })()
    fs.writeFileSync(path.join(out, '.kiln.lock'), JSON.stringify({ pid: dead, host: (await import('node:os')).hostname(), since: '2026-11-22T00:00:00.000Z' }))
    fs.mkdirSync(path.join(out, '.kiln-tmp'), { recursive: true })
    const deadTemp = `.kiln-tmp/${dead}.0123456789ab`
    const liveTemp = `.kiln-tmp/${process.pid}.0123456789ab`
    const legacyTemp = `images/.logo.svg.${dead}.0123abcd.kiln-tmp`
    for (const t of [deadTemp, liveTemp, legacyTemp]) fs.writeFileSync(path.join(out, t), 'partial')
    const r = JSON.parse((await ok(dir, ['clean', '--age', '0', '--keep', '1', '--json'])).stdout)
    const files = tree(out)
    for (const f of [...Object.keys(v1.files), ...Object.keys(v2.files)]) assert.ok(files[f], `${f} is still there`)
    assert.match(v2.assets['notes.kiln-tmp'], /^notes-[A-Z2-7]{8}\.kiln-tmp$/)
    assert.not.ok(files[deadTemp] || files[legacyTemp], 'the dead build\'s temp files are gone')
    assert.ok(files[liveTemp], 'a live process\'s temp file is not touched')
    assert.not.ok(r.removed.some((f) => f.file.endsWith('.kiln-tmp') && !f.file.startsWith('.kiln-tmp/') && !f.file.includes('/.')), 'no artifact taken for a temp file')
    fs.rmSync(path.join(out, liveTemp))
    assert.is((await ok(dir, ['verify'])).code, 0)
    // A build after all that: nothing of the temp directory is left behind.
    await ok(dir, ['build'])
    assert.not.ok(fs.existsSync(path.join(out, '.kiln-tmp')))
  } finally {
    remove(dir)
  }
})

temps.run()
