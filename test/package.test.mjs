// The package as a user gets it: what `npm pack` ships, and a fresh app that installs the
// tarball from the registry's point of view (real `npm install`), builds with `npx kiln`,
// reads the manifest from ESM and CommonJS, and typechecks asset imports against
// kiln-assets/client. One install per process, shared by the suites below (each costs seconds).
//
// Not tested here: `npm install /path/to/kiln`. npm links the directory and runs its
// `prepare` (a full build) in place without installing its dependencies, so it works only
// in a checkout that already ran `npm install`, and it would rebuild this repository's dist/
// under the other tests. Installing from git works (npm installs devDependencies, runs
// `prepare`, then packs with `files`) but needs a clone; the tarball is what both end in.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { manifestOf, project, remove, tree, write, REPO } from './helpers.mjs'
import { installTarball, pack } from './pack.mjs'

const TSC = path.join(REPO, 'node_modules', '.bin', 'tsc')

/** Runs a command in `cwd` with no KILN_* or ASSET_HOST from the test's environment. */
function run(cmd, args, cwd) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KILN_') && k !== 'ASSET_HOST'))
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...env, NO_COLOR: '1' } })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

let installed
/** The fresh app with the tarball installed (once per process, removed at exit). */
function app() {
  if (installed) return installed
  const dir = project(
    {
      'package.json': JSON.stringify({ name: 'kiln-pack-app', version: '1.0.0', private: true, type: 'module' }),
      'assets/app.ts': "import logo from './images/logo.svg'\nexport const src: string = logo\nconsole.log(src)\n",
      'assets/app.css': '.logo { background: url(images/logo.svg) }\n',
      'assets/images/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    },
    'kiln-pack-app-',
  )
  process.on('exit', () => remove(dir))
  installTarball(dir)
  return (installed = dir)
}

// `--no`: never fetch a package from the registry. `kiln` on npm is an unrelated package, so
// if the installed bin were missing npx must fail rather than run someone else's code.
const npxKiln = (args, cwd) => run('npx', ['--no', '--', 'kiln', ...args], cwd)

const packed = suite('npm pack')

packed('should pack exactly the user\'s files', () => {
  const { files } = pack()
  for (const f of ['bin/kiln.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'dist/runtime/index.js', 'dist/runtime/index.cjs', 'dist/runtime/serve.js', 'dist/runtime/serve.cjs', 'client.d.ts', 'LICENSE', 'README.md', 'package.json', 'src/manifest.schema.json']) {
    assert.ok(files.includes(f), `${f} is packed`)
  }
  // `kiln init` copies these: every file, dotfiles (.github/, .gitlab-ci.yml) included.
  const init = Object.keys(tree(path.join(REPO, 'templates', 'init')))
  assert.ok(init.length > 0)
  for (const f of init) assert.ok(files.includes(`templates/init/${f}`), `templates/init/${f} is packed`)
  // Every target package.json points at (bin, main, types, exports) is in the tarball.
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'))
  const targets = []
  const collect = (v) => (typeof v === 'string' ? targets.push(v) : v && Object.values(v).forEach(collect))
  collect([pkg.bin, pkg.main, pkg.types, pkg.exports])
  for (const t of targets) assert.ok(files.includes(path.posix.normalize(t)), `${t} (from package.json) is packed`)
  // Nothing a user's app does not run: tests, fixtures, build tools, built example output, caches.
  const unwanted = /(^|\/)(test|tests|fixtures|node_modules|\.kiln-cache|\.cache)\/|^dist\/tools\/|^templates\/example\/public\/|\.test\.|\.tsbuildinfo$|^src\/(?!manifest\.schema\.json$)/
  assert.equal(files.filter((f) => unwanted.test(f)), [])
})

const install = suite('npm install <tarball>')

install('should install into a fresh app with npm install <tarball>', async () => {
  const dir = app()
  const pkgDir = path.join(dir, 'node_modules', 'kiln-assets')
  assert.ok(fs.existsSync(path.join(pkgDir, 'package.json')))
  assert.not.ok(fs.lstatSync(pkgDir).isSymbolicLink(), 'a copy from the tarball, not a link to the repository')
  assert.not.ok(fs.existsSync(path.join(pkgDir, 'test')))
  assert.not.ok(fs.existsSync(path.join(pkgDir, 'dist', 'tools')))

  const b = await npxKiln(['build'], dir)
  assert.is(b.code, 0, b.stderr)
  const m = manifestOf(dir)
  const expected = `/assets/${m.assets['app.ts']}`
  assert.ok(fs.existsSync(path.join(dir, 'public', 'assets', m.assets['app.ts'])))

  write(dir, {
    'check.mjs': "import { loadManifest } from 'kiln-assets/runtime'\nimport { serveAssets } from 'kiln-assets/serve'\nconsole.log(loadManifest().url('app.ts'), typeof serveAssets)\n",
    'check.cjs': "const { loadManifest } = require('kiln-assets/runtime')\nconst { serveAssets } = require('kiln-assets/serve')\nconsole.log(loadManifest().url('app.ts'), typeof serveAssets)\n",
  })
  for (const script of ['check.mjs', 'check.cjs']) {
    const r = await run(process.execPath, [script], dir)
    assert.is(r.code, 0, `${script}: ${r.stderr}`)
    assert.is(r.stdout.trim(), `${expected} function`, script)
  }
})

const client = suite('kiln-assets/client')

// One import of each kind the declarations cover, with the type Kiln gives it.
const IMPORTS = `import logo from './logo.svg'
import photo from './photo.jpeg'
import font from './fonts/sans.woff2'
import clip from './clip.mp4'
import wasm from './add.wasm'
import doc from './terms.pdf'
import './app.css'
import './theme.scss'
import styles from './button.module.css'
import scssStyles from './card.module.scss'
import sassStyles from './nav.module.sass'
import lessStyles from './menu.module.less'
import data from './data.json'
import dataUrl from './data.json?url'
import raw from './shader.glsl?raw'
import inlined from './icon.svg?inline'

const urls: string[] = [logo, photo, font, clip, wasm, doc, dataUrl, raw, inlined]
const classes: string[] = [styles.button, scssStyles['card'], sassStyles.nav, lessStyles.menu].filter((c): c is string => c !== undefined)
const count: number = data.count
// @ts-expect-error CSS module class maps are read-only
styles.button = 'other'
export { urls, classes, count }
`

client('should typecheck asset imports with kiln-assets/client', async () => {
  const dir = app()
  const tsconfig = {
    compilerOptions: { strict: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler', types: ['kiln-assets/client'], noEmit: true },
    include: ['types', 'assets'],
  }
  write(dir, { 'tsconfig.json': JSON.stringify(tsconfig), 'types/imports.ts': IMPORTS, 'types/data.json': '{ "count": 1 }' })
  const ok = await run(TSC, ['-p', dir], dir)
  assert.is(ok.code, 0, ok.stdout + ok.stderr)

  // Mutation: a URL is a string, not a number. TS2322 (not TS2307, cannot find module) shows
  // the declaration was found and used, rather than the import failing to resolve.
  write(dir, { 'types/wrong.ts': "import logo from './logo.svg'\nexport const n: number = logo\n" })
  try {
    const bad = await run(TSC, ['-p', dir], dir)
    assert.is.not(bad.code, 0)
    const errors = bad.stdout.split('\n').filter((l) => l.includes('error TS'))
    assert.is(errors.length, 1, bad.stdout)
    assert.match(errors[0], /^types\/wrong\.ts\(2,\d+\): error TS2322:/)
  } finally {
    fs.rmSync(path.join(dir, 'types', 'wrong.ts'))
  }
})

client('should declare as URLs only files that Kiln builds into URLs', async () => {
  const dir = app()
  // Every `declare module '*.ext'` that client.d.ts types as a URL, from the installed copy.
  const dts = fs.readFileSync(path.join(dir, 'node_modules', 'kiln-assets', 'client.d.ts'), 'utf8')
  const exts = [...dts.matchAll(/declare module '\*\.(\w+)' \{\s*const url: string/g)].map((m) => m[1])
  assert.ok(exts.includes('svg') && exts.includes('wasm') && exts.includes('woff2'), exts.join(' '))
  const files = { 'urls/all.ts': exts.map((e, i) => `import u${i} from './files/f.${e}'`).join('\n') + `\nconsole.log(${exts.map((_, i) => `u${i}`).join(', ')})\n` }
  for (const e of exts) files[`urls/files/f.${e}`] = `${e}\n`
  write(dir, files)
  const b = await npxKiln(['build', '--root', 'urls', '--out', 'urls-out', '--no-minify', '--no-compress'], dir)
  assert.is(b.code, 0, b.stderr)
  const m = manifestOf(dir, 'urls-out')
  const js = fs.readFileSync(path.join(dir, 'urls-out', m.assets['all.ts']), 'utf8')
  // Relative to the entry (at the root of the artifact), resolved against import.meta.url when it runs.
  for (const e of exts) assert.ok(js.includes(`new URL(${JSON.stringify(m.assets[`files/f.${e}`])}, import.meta.url)`), `import of .${e} gives its URL`)
})

packed.run()
install.run()
client.run()
