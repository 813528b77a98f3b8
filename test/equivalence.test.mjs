// The speed work (issue 15) must not change what is built: the bench's medium corpus built by
// the version before it (BASELINE, taken from this clone's git history and compiled in a temp
// dir) and by this one gives the same artifact, apart from the manifest's format, fingerprint
// names (their derivation may change) and CSS source maps (if their default changes):
// compare.mjs maps old names to new and finds every file's contents identical after that.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { generate } from './bench/corpus.mjs'
import { compareArtifacts } from './equivalence/compare.mjs'
import { BIN, REPO, kiln, project, remove } from './helpers.mjs'

/** The last commit before the speed work. */
const BASELINE = 'c861ebee22f995085b9c43b2794603b6009ec4b4'

/** The baseline's CLI, compiled from this clone's history; null (with the reason) when the clone lacks it. */
function baselineKiln(dir) {
  try {
    execFileSync('git', ['-C', REPO, 'cat-file', '-e', `${BASELINE}^{commit}`], { stdio: 'ignore' })
  } catch {
    return { skip: `commit ${BASELINE.slice(0, 7)} is not in this clone's history (a shallow clone?)` }
  }
  const src = path.join(dir, 'baseline')
  fs.mkdirSync(src)
  execFileSync('sh', ['-c', `git -C "$1" archive "$2" | tar -x -C "$3"`, 'sh', REPO, BASELINE, src])
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(src, 'node_modules'))
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: src, stdio: ['ignore', 'ignore', 'inherit'] })
  return { bin: path.join(src, 'bin/kiln.js') }
}

async function buildWith(bin, corpus, out, flags = []) {
  const args = ['build', '--root', corpus.src, '--out', out, '--cache-dir', `${out}-cache`, '--json', ...flags]
  const r = bin === BIN ? await kiln(args, { cwd: corpus.dir }) : await runOld(bin, args, corpus.dir)
  assert.is(r.code, 0, r.stderr)
}

function runOld(bin, args, cwd) {
  try {
    return { code: 0, stdout: execFileSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } }), stderr: '' }
  } catch (err) {
    return { code: err.status, stdout: String(err.stdout), stderr: String(err.stderr) }
  }
}

const cssMapsDropped = (older, newer) => has(older, '.css.map') && !has(newer, '.css.map')
const has = (dir, suffix) => fs.readdirSync(dir, { recursive: true }).some((f) => String(f).endsWith(suffix))

const Same = suite('artifact equivalence with the version before the speed work')

Same('should build the bench corpus into the same files, names mapped (medium, plain; small, compressed)', async () => {
  const dir = project({}, 'kiln-equiv-')
  try {
    const old = baselineKiln(dir)
    if (old.skip) {
      if (process.env.KILN_REQUIRE_BASELINE === '1') assert.unreachable(old.skip)
      console.log(`  skipped: ${old.skip}`)
      return
    }
    // The medium corpus as the bench builds it (no compression); the small one with compression, for the variants.
    // Fingerprints changed derivation (one SHA-384 per file), so minified JS may pick other short local names
    // (esbuild weighs them by the characters of the code, url() placeholders included): the unminified build is compared whole.
    for (const [scale, flags, least] of [['medium', ['--no-compress'], 1500], ['medium', ['--no-compress', '--no-minify'], 1500], ['small', [], 150]]) {
      const corpus = generate(path.join(dir, `corpus-${scale}`), scale)
      const tag = flags.includes('--no-minify') ? 'unminified' : flags.length ? 'plain' : 'compressed'
      const [a, b] = [path.join(dir, `old-${tag}`), path.join(dir, `new-${tag}`)]
      await buildWith(old.bin, corpus, a, flags)
      await buildWith(BIN, corpus, b, flags)
      const r = compareArtifacts(a, b, { cssMaps: cssMapsDropped(a, b), minifiedNames: !flags.includes('--no-minify') })
      assert.equal(r.problems.slice(0, 10), [], `${tag}: ${r.problems.length} differences`)
      assert.ok(r.mapped > least, `${tag}: only ${r.mapped} files mapped`)
      if (!flags.length) assert.ok(has(b, '.br') || has(b, '.gz'), 'the compressed build wrote variants')
    }
  } finally {
    remove(dir)
  }
})

Same.run()

const Detects = suite('artifact comparison')

Detects('should find a changed byte, a missing file and an extra file', async () => {
  const dir = project({
    'src/app.js': "import './theme.css'\nimport logo from './logo.svg'\nconsole.log(logo)\n",
    'src/theme.css': '.a { background: url(./logo.svg) }\n',
    'src/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>\n',
    'src/site.css': '.b { color: red }\n',
  }, 'kiln-equiv-')
  try {
    const corpus = { dir, src: path.join(dir, 'src') }
    const [a, b] = [path.join(dir, 'a'), path.join(dir, 'b')]
    await buildWith(BIN, corpus, a)
    await buildWith(BIN, corpus, b)
    assert.equal(compareArtifacts(a, b).problems, [])
    const css = fs.readdirSync(b).find((f) => /^site-.*\.css$/.test(f))
    fs.appendFileSync(path.join(b, css), ' ')
    assert.match(compareArtifacts(a, b).problems.join('\n'), `${css} → ${css}: contents differ`)
    fs.appendFileSync(path.join(a, css), ' ')
    const manifest = JSON.parse(fs.readFileSync(path.join(b, 'manifest.json'), 'utf8'))
    manifest.files['extra-AAAAAAAA.txt'] = { integrity: 'sha384-x', size: 1 }
    fs.writeFileSync(path.join(b, 'manifest.json'), JSON.stringify(manifest))
    assert.match(compareArtifacts(a, b).problems.join('\n'), 'extra-AAAAAAAA.txt: new, with no counterpart')
  } finally {
    remove(dir)
  }
})

Detects.run()
