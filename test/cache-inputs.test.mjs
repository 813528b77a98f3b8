// The compile cache may skip a compile only when nothing that decided its output changed:
// a file edited while it was being compiled is never cached as compiled, and the files that
// steered resolution (a nested tsconfig's paths, a package's main, the browserslist) are
// inputs like the sources themselves.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { kiln, manifestOf, project, remove, write } from './helpers.mjs'

function script(dir, name = 'app.ts') {
  return fs.readFileSync(path.join(dir, 'public/assets', manifestOf(dir).assets[name]), 'utf8')
}

async function build(dir) {
  const r = await kiln(['build', '--json', '--no-minify', '--no-compress'], { cwd: dir })
  assert.is(r.code, 0, r.stderr)
  return JSON.parse(r.stdout).steps
}

const racing = suite('a source edited while it is compiled')

racing('should compile again rather than cache the old code under the new file', async () => {
  // A published-plugin-shaped esbuild plugin stands in for an editor saving mid-build: it
  // lets esbuild have the old text of lib.ts, then writes the new text to disk, once.
  const dir = project({
    'package.json': '{"name":"app","type":"module"}',
    'assets/app.ts': "import { word } from './lib/lib'\nconsole.log(word)\n",
    'assets/lib/lib.ts': "export const word = 'OLD-TEXT'\n",
    'kiln.config.mjs': `
import fs from 'node:fs'
import path from 'node:path'
const flag = path.resolve('edited.flag')
export default {
  esbuild: {
    plugins: [{
      name: 'save-during-build',
      setup(build) {
        build.onLoad({ filter: /lib\\.ts$/ }, (args) => {
          const text = fs.readFileSync(args.path, 'utf8')
          if (!fs.existsSync(flag)) {
            fs.writeFileSync(flag, '')
            fs.writeFileSync(args.path, text.replace('OLD-TEXT', 'NEW-TEXT'))
          }
          return { contents: text, loader: 'ts' }
        })
      },
    }],
  },
}
`,
  })
  try {
    await build(dir)
    assert.match(script(dir), 'NEW-TEXT', 'the build compiled again after the edit it saw')
    const again = await build(dir)
    assert.is(again.compile, 'skipped')
    assert.match(script(dir), 'NEW-TEXT', 'what the cache vouches for is what is on disk')
  } finally {
    remove(dir)
  }
})

racing.run()

const resolution = suite('resolution inputs in the compile cache')

resolution("should recompile when a nested tsconfig's paths change", async () => {
  const dir = project({
    'package.json': '{"name":"app"}',
    'assets/app.ts': "import { word } from './pages/page'\nconsole.log(word)\n",
    'assets/pages/page.ts': "export { word } from '@word'\n",
    'assets/pages/tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@word': ['./one.ts'] } } }),
    'assets/pages/one.ts': "export const word = 'FROM-ONE'\n",
    'assets/pages/two.ts': "export const word = 'FROM-TWO'\n",
  })
  try {
    await build(dir)
    assert.match(script(dir), 'FROM-ONE')
    write(dir, { 'assets/pages/tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@word': ['./two.ts'] } } }) })
    const steps = await build(dir)
    assert.is.not(steps.compile, 'skipped')
    assert.match(script(dir), 'FROM-TWO')
  } finally {
    remove(dir)
  }
})

resolution("should recompile when a tsconfig's extended base changes", async () => {
  const dir = project({
    'package.json': '{"name":"app"}',
    'tsconfig.json': JSON.stringify({ extends: './config/base.json' }),
    'config/base.json': '{ // JSONC, as tsconfig files are\n "compilerOptions": { "baseUrl": "..", "paths": { "@word": ["assets/lib/one.ts"] } } }',
    'assets/app.ts': "import { word } from '@word'\nconsole.log(word)\n",
    'assets/lib/one.ts': "export const word = 'FROM-ONE'\n",
    'assets/lib/two.ts': "export const word = 'FROM-TWO'\n",
  })
  try {
    await build(dir)
    assert.match(script(dir), 'FROM-ONE')
    write(dir, { 'config/base.json': '{ "compilerOptions": { "baseUrl": "..", "paths": { "@word": ["assets/lib/two.ts"] } } }' })
    await build(dir)
    assert.match(script(dir), 'FROM-TWO')
  } finally {
    remove(dir)
  }
})

resolution("should recompile when a workspace package's main changes", async () => {
  const dir = project({
    'package.json': '{"name":"app","workspaces":["packages/*"]}',
    'packages/words/package.json': JSON.stringify({ name: 'words', main: 'one.js' }),
    'packages/words/one.js': "export const word = 'FROM-ONE'\n",
    'packages/words/two.js': "export const word = 'FROM-TWO'\n",
    'assets/app.ts': "import { word } from 'words'\nconsole.log(word)\n",
  })
  try {
    // As npm links a workspace: node_modules/words → ../packages/words.
    fs.mkdirSync(path.join(dir, 'node_modules'))
    fs.symlinkSync(path.join(dir, 'packages/words'), path.join(dir, 'node_modules/words'))
    await build(dir)
    assert.match(script(dir), 'FROM-ONE')
    write(dir, { 'packages/words/package.json': JSON.stringify({ name: 'words', main: 'two.js' }) })
    await build(dir)
    assert.match(script(dir), 'FROM-TWO')
  } finally {
    remove(dir)
  }
})

resolution('should recompile when the browserslist changes', async () => {
  const dir = project({
    'package.json': JSON.stringify({ name: 'app', browserslist: ['chrome 120'] }),
    'assets/app.ts': 'export const pick = (a?: { b?: number }) => a?.b ?? 1\n',
  })
  try {
    await build(dir)
    assert.match(script(dir), '?.')
    write(dir, { 'package.json': JSON.stringify({ name: 'app', browserslist: ['chrome 60'] }) })
    await build(dir)
    assert.not.match(script(dir), '?.', 'optional chaining lowered for the older target')
  } finally {
    remove(dir)
  }
})

resolution.run()

const content = suite('content, not the stat, decides reuse')

content('should not recompile after a touch (or a fresh checkout) that leaves the bytes alone, and recompile after an edit', async () => {
  const dir = project({
    'package.json': '{"name":"app"}',
    'assets/app.ts': "import { word } from './lib/lib'\nconsole.log(word)\n",
    'assets/lib/lib.ts': "export const word = 'FIRST'\n",
    'assets/site.css': '@import "./partials/base.css";\n',
    'assets/partials/base.css': 'body { margin: 0 }\n',
  })
  try {
    await build(dir)
    // Every input gets a new mtime, as `touch` or a checkout into a fresh directory gives.
    const later = new Date(Date.now() + 5000)
    for (const f of ['assets/app.ts', 'assets/lib/lib.ts', 'assets/site.css', 'assets/partials/base.css', 'package.json']) fs.utimesSync(path.join(dir, f), later, later)
    const touched = await build(dir)
    assert.is(touched.compile, 'skipped', 'same bytes, new mtimes: nothing compiles')
    const again = await build(dir)
    assert.is(again.compile, 'skipped', 'the new stats were recorded')
    write(dir, { 'assets/lib/lib.ts': "export const word = 'SECOND'\n" })
    const edited = await build(dir)
    assert.equal(edited.compile, ['scripts'])
    assert.match(script(dir), 'SECOND')
    // Same size, same mtime, other bytes: --verify-cache hashes anyway.
    const file = path.join(dir, 'assets/lib/lib.ts')
    const { mtime } = fs.statSync(file)
    fs.writeFileSync(file, "export const word = 'THIRD!'\n")
    fs.utimesSync(file, mtime, mtime)
    const verified = await kiln(['build', '--json', '--no-minify', '--no-compress', '--verify-cache'], { cwd: dir })
    assert.equal(JSON.parse(verified.stdout).steps.compile, ['scripts'])
    assert.match(script(dir), 'THIRD!')
  } finally {
    remove(dir)
  }
})

content('should recompile when a config appears where resolution looked and found none', async () => {
  const dir = project({
    'package.json': '{"name":"app"}',
    'node_modules/words/package.json': JSON.stringify({ name: 'words', main: 'index.js' }),
    'node_modules/words/index.js': "export const word = 'FROM-PACKAGE'\n",
    'assets/app.ts': "import { word } from 'words'\nconsole.log(word)\n",
    'assets/lib/two.ts': "export const word = 'FROM-PATHS'\n",
  })
  try {
    await build(dir)
    assert.match(script(dir), 'FROM-PACKAGE')
    write(dir, { 'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { words: ['assets/lib/two.ts'] } } }) })
    const steps = await build(dir)
    assert.equal(steps.compile, ['scripts'])
    assert.match(script(dir), 'FROM-PATHS')
  } finally {
    remove(dir)
  }
})

content.run()
