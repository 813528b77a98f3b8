// Resource faults: a read-only output directory, an unreadable source, a full disk. Each
// is a clear error naming the path, exit 1, and the previous build intact. Permissions are
// exercised as an unprivileged user (root ignores them); the full disk is a small tmpfs.
// Where the machine cannot do either, the test says so and why.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { kiln, project, remove, sampleApp, tree, BIN } from './helpers.mjs'

const NOBODY = 65534
const OUT = 'public/assets'

/** Runs kiln as `nobody`, so file permissions apply even when the tests run as root. */
function kilnAsNobody(args, cwd) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, uid: NOBODY, gid: NOBODY, encoding: 'utf8', env: { PATH: process.env.PATH, NO_COLOR: '1' } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, error: r.error }
}

function canDropPrivileges() {
  if (process.getuid?.() !== 0) return 'not running as root, so the test cannot run a build as another user'
  const r = spawnSync(process.execPath, ['-e', '0'], { uid: NOBODY, gid: NOBODY })
  return r.status === 0 ? null : `cannot start a process as uid ${NOBODY}`
}

const faults = suite('resource faults')

faults('should fail on a read-only output directory with the path, exit 1, previous build intact', async () => {
  const why = canDropPrivileges()
  if (why) return console.log(`  (skipped: ${why})`)
  const dir = sampleApp()
  try {
    fs.chmodSync(dir, 0o755)
    assert.is((await kiln(['build', '--quiet'], { cwd: dir })).code, 0)
    const before = tree(path.join(dir, OUT))
    fs.writeFileSync(path.join(dir, 'assets/robots.txt'), 'changed\n')
    const r = kilnAsNobody(['build'], dir)
    assert.is(r.code, 1, r.stderr)
    assert.match(r.stderr, 'Cannot lock public/assets: EACCES')
    assert.match(r.stderr, 'hint: check the permissions of the artifact directory')
    assert.equal(tree(path.join(dir, OUT)), before)
  } finally {
    remove(dir)
  }
})

faults('should fail on an unreadable source with its path, exit 1, previous build intact', async () => {
  const why = canDropPrivileges()
  if (why) return console.log(`  (skipped: ${why})`)
  const dir = sampleApp()
  try {
    fs.chmodSync(dir, 0o755)
    spawnSync('chown', ['-R', `${NOBODY}:${NOBODY}`, dir])
    assert.is(kilnAsNobody(['build', '--quiet'], dir).code, 0)
    const before = tree(path.join(dir, OUT))
    for (const [file, message] of [
      ['assets/images/logo.svg', 'Cannot read assets/images/logo.svg: EACCES'],
      ['assets/partials/base.css', 'Cannot read assets/partials/base.css: EACCES'],
    ]) {
      fs.appendFileSync(path.join(dir, file), '\n')
      fs.chmodSync(path.join(dir, file), 0o000)
      const r = kilnAsNobody(['build'], dir)
      assert.is(r.code, 1, r.stderr)
      assert.match(r.stderr, message)
      assert.equal(tree(path.join(dir, OUT)), before, `${file}: the previous build is intact`)
      fs.chmodSync(path.join(dir, file), 0o644)
    }
  } finally {
    remove(dir)
  }
})

faults('should fail on a full disk with the path, exit 1, previous build intact and no temp files', async () => {
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-tmpfs-'))
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt], { encoding: 'utf8' })
  if (mounted.status !== 0) {
    fs.rmdirSync(mnt)
    return console.log(`  (skipped: cannot mount a small tmpfs here: ${(mounted.stderr || mounted.error?.message || '').trim()})`)
  }
  const dir = sampleApp()
  try {
    const out = path.join(mnt, 'assets')
    assert.is((await kiln(['build', '--out', out, '--quiet'], { cwd: dir })).code, 0)
    const before = tree(out)
    fs.writeFileSync(path.join(dir, 'assets/big.bin'), Buffer.alloc(3 * 1024 * 1024, 1))
    const r = await kiln(['build', '--out', out], { cwd: dir })
    assert.is(r.code, 1, r.stderr)
    assert.match(r.stderr, /Cannot write \S*kiln-tmpfs-\w+\/assets\/big[-.]\S*: ENOSPC/)
    assert.match(r.stderr, 'hint: the disk is full; free space (kiln clean) and build again')
    assert.equal(tree(out), before, 'no temp file, nothing new, nothing changed')
  } finally {
    spawnSync('umount', [mnt])
    fs.rmdirSync(mnt)
    remove(dir)
  }
})

faults.run()
