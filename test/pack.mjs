// The package as a user gets it: `npm pack` once per test process, and `npm install
// <tarball>` into a temp app (real npm; dependencies from the registry, as for a user).
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { REPO } from './helpers.mjs'

let packed

/** Packs the repository (already built by `npm test`) and returns { tarball, files }. */
export function pack() {
  if (packed) return packed
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-pack-'))
  // --ignore-scripts: `prepare` would rebuild dist/, which `npm test` has just built.
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], { cwd: REPO, encoding: 'utf8' })
  const [info] = JSON.parse(out)
  packed = { tarball: path.join(dest, info.filename), files: info.files.map((f) => f.path).sort() }
  process.on('exit', () => fs.rmSync(dest, { recursive: true, force: true }))
  return packed
}

/** `npm install <tarball> [...more]` in `dir` (which needs a package.json). */
export function installTarball(dir, more = [], { dev = true } = {}) {
  const { tarball } = pack()
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...(dev ? ['--save-dev'] : []), tarball, ...more], { cwd: dir, stdio: 'pipe', encoding: 'utf8', env: userEnv() })
}

/**
 * The environment a user's shell would have: no NODE_ENV=production (a library imported by an
 * earlier test in this process may have set it, and npm then skips devDependencies, kiln-assets
 * among them) and no npm_* settings inherited from the `npm test` running us.
 */
export function userEnv(extra = {}) {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_ENV' && !/^npm_/i.test(k) && !k.startsWith('KILN_'))), ...extra }
}
