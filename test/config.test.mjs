// Config files and the project: TypeScript and CommonJS configs, configs that export a
// function or a promise, a top-level await that never settles, errors at the config's real
// line, the project root found from a subdirectory, and where the default cache goes.
// Everything runs through the real CLI in temp apps (Node 20: no native TypeScript).
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { kiln, manifestOf, remove, sampleApp, REPO } from './helpers.mjs'

/** A sample app with kiln-assets installed the way npm would (a symlink in node_modules). */
function appWithKiln(files = {}) {
  const dir = sampleApp(files)
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true })
  fs.symlinkSync(REPO, path.join(dir, 'node_modules/kiln-assets'))
  return dir
}

/** Temp modules a TypeScript config was compiled to (dotfiles beside the config). */
const leftovers = (dir) => fs.readdirSync(dir).filter((f) => f.startsWith('.kiln.config'))

async function buildOk(dir, cwd = dir) {
  const r = await kiln(['build', '--quiet'], { cwd })
  assert.is(r.code, 0, r.stderr)
  return r
}

const typescript = suite('TypeScript config files')

typescript('should load kiln.config.ts with types, an enum, a relative .ts import and defineConfig from the package', async () => {
  const dir = appWithKiln({
    // An enum and an extensionless .ts import: what type stripping alone would not run.
    'kiln.config.ts': [
      "import { defineConfig, type KilnConfig } from 'kiln-assets'",
      "import { outDir } from './config/dirs'",
      'enum Prefix { Static = 1 }',
      'const config: KilnConfig = defineConfig({ out: outDir, publicPath: `/static${Prefix.Static}/` })',
      'export default config',
      '',
    ].join('\n'),
    // import.meta.url is this module's own, not that of the compiled file beside the config.
    'config/dirs.ts': "export const outDir: string = `build/${new URL('.', import.meta.url).pathname.split('/').at(-2)}`\n",
  })
  try {
    await buildOk(dir)
    assert.is(manifestOf(dir, 'build/config').publicPath, '/static1/')
    assert.equal(leftovers(dir), [], 'the compiled temp module is removed')
  } finally {
    remove(dir)
  }
})

typescript('should load kiln.config.mts', async () => {
  const dir = sampleApp({ 'kiln.config.mts': "const out: string = 'build/mts'\nexport default { out }\n" })
  try {
    await buildOk(dir)
    assert.ok(fs.existsSync(path.join(dir, 'build/mts/manifest.json')))
    assert.equal(leftovers(dir), [])
  } finally {
    remove(dir)
  }
})

typescript.run()

const commonjs = suite("CommonJS configs and require('kiln-assets')")

commonjs('should load kiln.config.cjs that requires defineConfig from kiln-assets', async () => {
  const dir = appWithKiln({ 'kiln.config.cjs': "const { defineConfig } = require('kiln-assets')\nmodule.exports = defineConfig({ out: 'build/cjs' })\n" })
  try {
    await buildOk(dir)
    assert.ok(fs.existsSync(path.join(dir, 'build/cjs/manifest.json')))
  } finally {
    remove(dir)
  }
})

commonjs('should give a CommonJS script a build() that runs Kiln', async () => {
  const dir = appWithKiln({ 'build.cjs': "require('kiln-assets').build({ cwd: __dirname }).then((r) => console.log(JSON.stringify({ files: r.files })))\n" })
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['build.cjs'], { cwd: dir })
    assert.is(JSON.parse(stdout).files, Object.keys(manifestOf(dir).files).length)
  } finally {
    remove(dir)
  }
})

commonjs.run()

const dynamic = suite('configs that export a function or a promise')

dynamic('should call an async function with { command, mode } and use what it returns', async () => {
  const dir = sampleApp({ 'kiln.config.mjs': 'export default async ({ command, mode }) => ({ out: `build/${command}-${mode}` })\n' })
  try {
    await buildOk(dir)
    assert.ok(fs.existsSync(path.join(dir, 'build/build-production/manifest.json')))
  } finally {
    remove(dir)
  }
})

dynamic('should await a config that exports a Promise', async () => {
  const dir = sampleApp({ 'kiln.config.mjs': "export default new Promise((resolve) => setTimeout(() => resolve({ out: 'build/later' }), 10))\n" })
  try {
    await buildOk(dir)
    assert.ok(fs.existsSync(path.join(dir, 'build/later/manifest.json')))
  } finally {
    remove(dir)
  }
})

dynamic('should validate what a function returns: an unknown key is an error', async () => {
  const dir = sampleApp({ 'kiln.config.mjs': 'export default () => ({ bogus: 1 })\n' })
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1)
    assert.match(r.stderr, 'ERROR: Unknown option "bogus" in kiln.config.mjs')
  } finally {
    remove(dir)
  }
})

dynamic.run()

const unsettled = suite('a config whose top-level await never settles')

unsettled('should fail with exit 1 and name the file, not exit 0 silently', async () => {
  const dir = sampleApp({ 'kiln.config.mjs': "await new Promise(() => {})\nexport default { out: 'never' }\n" })
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1, r.stderr)
    assert.match(r.stderr, 'kiln.config.mjs never finished loading')
  } finally {
    remove(dir)
  }
})

unsettled('should fail the same for a TypeScript config and remove its compiled temp module', async () => {
  const dir = sampleApp({ 'kiln.config.ts': "await new Promise<void>(() => {})\nexport default { out: 'never' }\n" })
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1, r.stderr)
    assert.match(r.stderr, 'kiln.config.ts never finished loading')
    assert.equal(leftovers(dir), [])
  } finally {
    remove(dir)
  }
})

unsettled.run()

const lines = suite('config errors point at the real line')

// Line 3 has the error (the comma) in each; the TS ones have types and a line that compiles to nothing above it.
const SYNTAX = {
  'kiln.config.mjs': "const a = 1\nconst b = 2\nexport default { out: , b }\n",
  'kiln.config.js': "const a = 1\nconst b = 2\nexport default { out: , b }\n",
  'kiln.config.cjs': "const a = 1\nconst b = 2\nmodule.exports = { out: , b }\n",
  'kiln.config.ts': "type Out = string\nconst a: Out = 'x'\nexport default { out: , a }\n",
  'kiln.config.mts': "type Out = string\nconst a: Out = 'x'\nexport default { out: , a }\n",
}

for (const [name, text] of Object.entries(SYNTAX)) {
  lines(`should report a syntax error in ${name} at its line and column, with the line`, async () => {
    const dir = sampleApp({ [name]: text })
    try {
      const r = await kiln(['build'], { cwd: dir })
      assert.is(r.code, 1, r.stderr)
      const line = text.split('\n')[2]
      assert.match(r.stderr, `${name}:3:${line.indexOf(' ,') + 2}: ERROR: Config file failed to load:`, 'at the comma')
      assert.match(r.stderr, `    ${line}\n`)
      assert.not.match(r.stderr, /internal error|\n\s+at /)
    } finally {
      remove(dir)
    }
  })
}

lines('should point a throw in kiln.config.ts at its line in the TypeScript source', async () => {
  const dir = sampleApp({
    'kiln.config.ts': "interface Paths {\n  out: string\n}\nthrow new Error('no config today')\nexport default {} as Paths\n",
  })
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1, r.stderr)
    assert.match(r.stderr, "kiln.config.ts:4:7: ERROR: Config file failed to load: no config today\n    throw new Error('no config today')\n")
  } finally {
    remove(dir)
  }
})

lines('should point a throw in a module a TypeScript config imports at that module', async () => {
  const dir = sampleApp({
    'kiln.config.ts': "import { out } from './config/out'\nexport default { out: out() }\n",
    'config/out.ts': "type Dir = string\nexport function out(): Dir {\n  throw new TypeError('no out')\n}\n",
  })
  try {
    const r = await kiln(['build'], { cwd: dir })
    assert.is(r.code, 1, r.stderr)
    assert.match(r.stderr, 'config/out.ts:3:9: ERROR: Config file failed to load: no out')
  } finally {
    remove(dir)
  }
})

lines.run()

const root = suite('the project root, found from a subdirectory')

root('should build the same manifest from <app>/assets/lib and <app>/src as from <app>', async () => {
  const dir = sampleApp({ 'package.json': '{ "name": "app", "private": true }\n', 'src/server.js': '' })
  try {
    await buildOk(dir)
    const expected = manifestOf(dir)
    for (const sub of ['assets/lib', 'src']) {
      fs.rmSync(path.join(dir, 'public'), { recursive: true })
      await buildOk(dir, path.join(dir, sub))
      assert.equal(manifestOf(dir), expected, `from ${sub}`)
      assert.not.ok(fs.existsSync(path.join(dir, sub, 'public')), `nothing written under ${sub}`)
    }
  } finally {
    remove(dir)
  }
})

root('should find the app by its kiln.config.* when it has no package.json', async () => {
  const dir = sampleApp({ 'kiln.config.json': '{ "out": "build/assets" }\n' })
  try {
    await buildOk(dir, path.join(dir, 'assets/lib'))
    assert.ok(fs.existsSync(path.join(dir, 'build/assets/manifest.json')))
  } finally {
    remove(dir)
  }
})

root.run()

const cacheDir = suite('the default cache directory')

cacheDir('should use .kiln-cache and create no node_modules in an app that has none', async () => {
  const dir = sampleApp()
  try {
    await buildOk(dir)
    assert.not.ok(fs.existsSync(path.join(dir, 'node_modules')))
    assert.ok(fs.existsSync(path.join(dir, '.kiln-cache/state-v2.json')))
  } finally {
    remove(dir)
  }
})

cacheDir('should use node_modules/.cache/kiln when the app has node_modules', async () => {
  const dir = sampleApp({ 'node_modules/.package-lock.json': '{}' })
  try {
    await buildOk(dir)
    assert.ok(fs.existsSync(path.join(dir, 'node_modules/.cache/kiln/state-v2.json')))
    assert.not.ok(fs.existsSync(path.join(dir, '.kiln-cache')))
  } finally {
    remove(dir)
  }
})

cacheDir.run()
