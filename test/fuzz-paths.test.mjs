// Fuzzing paths, URLs, names and nesting (issue 14, point 16). Seeded cases, each a small
// project with one hostile change: a url(), an @import (with conditions, in chains up to past
// Kiln's depth limit), a script import or new URL(), a file name, --root/--out, or deep
// nesting. No case may end in an internal error (an exception that is not a KilnError, a
// stack, a raw errno or TypeError inside a message) or in exit 0 with a wrong artifact
// (kiln verify fails, the runtime rejects the manifest, a source is missing from it, an
// output holds a url placeholder or an absolute path). An error about a source has its
// file:line:col. A share of the cases also runs through the real CLI. KILN_FULL_TESTS=1 runs
// many more.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { build, verify, KilnError } from '../dist/index.js'
import { loadManifest } from '../dist/runtime/index.js'
import { kiln, project, remove } from './helpers.mjs'
import { mulberry32 } from './bench/corpus.mjs'

const FULL = process.env.KILN_FULL_TESTS === '1'
const COUNT = FULL ? 800 : 64
const PARALLEL = 6
const CLI_EVERY = 12
const OUT = 'public/assets'

const rand = mulberry32(0x14f022)
const pick = (xs) => xs[Math.floor(rand() * xs.length)]
const int = (a, b) => a + Math.floor(rand() * (b - a + 1))

const LONG = 'x'.repeat(300)

/** Paths as a source may spell them: ordinary ones, and every way a path can fail to name a file. */
const PATHS = [
  'images/dot.png', './images/dot.png', '../assets/images/dot.png', 'images/missing.png', 'images/é.png', 'images/%C3%A9.png', 'images/a%20b.png',
  'robots.txt/x.png', `${LONG}.png`, `images/${LONG}/x.png`, `${Array(60).fill('..').join('/')}/x.png`, `${Array(300).fill('d').join('/')}/x.png`,
  '../loop/x.png', '../loop', 'images/a%00.png', '%00', 'images/%2e%2e/dot.png', 'images/a%ZZ.png', 'images%2Fdot.png', 'images/%FF.png',
  'images\\dot.png', 'images/dot.png?v=1#x', 'images/dot.png#', '/images/dot.png', '//cdn.example/x.png', 'https://cdn.example/x.png',
  'data:image/png;base64,iVBO', 'images/', 'images', '.', '..', 'images/dot.png/', 'images//dot.png', 'images/./dot.png',
  '~/x.png', 'node_modules/x.png', 'file:///etc/passwd', 'images/dot.png\n', 'images/do\tt.png', 'javascript:alert(1)',
]
const CSS_PATHS = ['partials/base.css', './partials/base.css', 'partials/missing.css', 'robots.txt/x.css', `${LONG}.css`, '../loop/x.css', 'a%00.css',
  'https://cdn.example/x.css', '//cdn.example/x.css', 'partials/', 'partials', 'site.css', 'images/dot.png', 'lib/shared.ts', 'partials\\base.css', '']
const CONDITIONS = ['', 'screen', 'print and (min-width: 1px)', 'layer', 'layer(a)', 'layer(a.b)', 'supports(display: grid)', 'not print', '(color), print',
  'layer(x) supports((a: b) or (c: d)) only screen', 'unknown-type', 'and', ')']

/** The sample app every case starts from, and the logical names its manifest must hold. */
function baseProject() {
  const dir = project({
    'assets/app.ts': "import { greet } from './lib/shared'\nimport './lib/app.css'\nconsole.log(greet('app'))\nimport('./lib/lazy').then((m) => m.run())\n",
    'assets/site.css': '@import "./partials/base.css";\n.logo { background: url("images/logo.svg") }\n',
    'assets/partials/base.css': 'body { margin: 0; background: url(../images/dot.png) }\n',
    'assets/lib/shared.ts': "export function greet(name: string): string {\n  return 'hello ' + name\n}\n",
    'assets/lib/lazy.ts': "export function run(): void {\n  console.log('lazy')\n}\n",
    'assets/lib/app.css': '.app { background: url(../images/dot.png) }\n',
    'assets/images/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    'assets/images/dot.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]),
    'assets/images/é.png': 'e',
    'assets/images/a b.png': 'ab',
    'assets/robots.txt': 'User-agent: *\n',
    'afile': 'not a directory',
  })
  fs.symlinkSync('loop', path.join(dir, 'loop'))
  return dir
}
const BASE_NAMES = ['app.ts', 'site.css', 'images/logo.svg', 'images/dot.png', 'images/é.png', 'images/a b.png', 'robots.txt']

const append = (dir, file, text) => fs.appendFileSync(path.join(dir, file), text)
const prepend = (dir, file, text) => fs.writeFileSync(path.join(dir, file), text + fs.readFileSync(path.join(dir, file), 'utf8'))
const cssString = (p) => pick([`url(${p})`, `url("${p.replace(/["\\\n]/g, '\\$&')}")`, `url('${p.replace(/['\\\n]/g, '\\$&')}')`, `"${p.replace(/["\\\n]/g, '\\$&')}"`])
const jsSpec = (p) => (p.startsWith('.') || p.startsWith('/') || /^[a-z]+:/.test(p) ? p : `./${p}`)

/** One hostile change: its description, what it does to the project, and what a successful build must still list. */
const KINDS = {
  cssUrl() {
    const p = pick(PATHS)
    const file = pick(['assets/site.css', 'assets/partials/base.css', 'assets/lib/app.css'])
    return { what: `url(${JSON.stringify(p)}) in ${file}`, source: true, apply: (d) => append(d, file, `.fz { background: ${cssString(p).replace(/^"(.*)"$/, 'url("$1")')} }\n`) }
  },
  cssImport() {
    const p = pick(rand() < 0.5 ? CSS_PATHS : PATHS)
    const cond = pick(CONDITIONS)
    const file = pick(['assets/site.css', 'assets/partials/base.css', 'assets/lib/app.css'])
    return { what: `@import ${JSON.stringify(p)} ${cond} in ${file}`, source: true, apply: (d) => prepend(d, file, `@import ${cssString(p)} ${cond};\n`) }
  },
  importChain() {
    const depth = rand() < 0.3 ? int(196, 206) : int(1, 6)
    const cycle = rand() < 0.15
    const remoteAt = int(0, depth)
    return {
      what: `an @import chain ${depth} deep${cycle ? ', closed into a cycle' : ''}`,
      source: true,
      apply: (d) => {
        for (let i = 0; i <= depth; i++) {
          const next = i < depth ? `@import "./c${i + 1}.css" ${pick(CONDITIONS.slice(0, 10))};\n` : cycle ? '@import "./c0.css";\n' : ''
          const remote = i === remoteAt ? `@import url(https://cdn.example/r${i}.css) ${pick(CONDITIONS.slice(0, 10))};\n` : ''
          fs.mkdirSync(path.join(d, 'assets/chain'), { recursive: true })
          fs.writeFileSync(path.join(d, `assets/chain/c${i}.css`), `${remote}${next}.c${i} { color: red; background: url(../images/dot.png) }\n`)
        }
        prepend(d, 'assets/site.css', '@import "./chain/c0.css";\n')
      },
    }
  },
  jsImport() {
    const p = jsSpec(pick(PATHS))
    const form = pick(['import', 'url', 'dynamic', 'worker'])
    const file = pick(['assets/app.ts', 'assets/lib/shared.ts'])
    const code = {
      import: `import u from ${JSON.stringify(p)}\nconsole.log(u)\n`,
      url: `console.log(new URL(${JSON.stringify(p)}, import.meta.url).href)\n`,
      dynamic: `import(${JSON.stringify(p)}).then(console.log)\n`,
      worker: `new Worker(new URL(${JSON.stringify(p)}, import.meta.url), { type: 'module' })\n`,
    }[form]
    return { what: `${form} of ${JSON.stringify(p)} in ${file}`, source: true, apply: (d) => append(d, file, code) }
  },
  fileName() {
    const names = [
      ['bytes', [0x62, 0x61, 0x64, 0xff, 0x2e, 0x70, 0x6e, 0x67]], ['bytes', [0x64, 0xe9, 0x6a, 0xe0]], ['name', 'back\\slash.png'], ['name', 'new\nline.png'],
      ['name', 'sep\u2028.svg'], ['name', 'tab\t.txt'], ['name', 'a#b.png'], ['name', 'a?b.png'], ['name', 'a%b.png'], ['name', 'a%20b.png'],
      ['name', 'lazy#1.ts'], ['name', 'half%.ts'], ['name', 'q?.js'], ['name', `${'n'.repeat(250)}.png`], ['name', 'trailing .png'], ['name', '__proto__.png'],
      ['name', 'constructor.css'], ['name', 'logo-ABCDEFGH.svg'], ['name', 'x.d.ts'], ['name', '_part.scss'], ['name', 'empty.css'], ['name', '-dash.png'],
    ]
    const [kind, name] = pick(names)
    const where = pick(['', 'images/', 'deep/er/'])
    const asDir = rand() < 0.25
    const display = kind === 'bytes' ? `bytes ${Buffer.from(name).toString('hex')}` : JSON.stringify(name)
    const staticName = kind === 'name' && !/\.(ts|js|css|scss)$/.test(name) && !asDir ? `${where}${name}` : null
    return {
      what: `a ${asDir ? 'directory' : 'file'} named ${display} in assets/${where}`,
      source: false,
      // A name Kiln cannot represent must fail the build; one it can must be in the manifest.
      mustFail: kind === 'bytes' || /[\\\n\u2028\t]/.test(String(name)),
      expect: staticName && !/[\\\n\u2028\t]/.test(name) ? [staticName] : [],
      apply: (d) => {
        const dir = path.join(d, 'assets', where)
        fs.mkdirSync(dir, { recursive: true })
        const full = Buffer.concat([Buffer.from(dir + '/'), Buffer.from(name)])
        if (asDir) {
          fs.mkdirSync(full)
          fs.writeFileSync(Buffer.concat([full, Buffer.from('/inside.txt')]), 'in')
        } else fs.writeFileSync(full, name === 'empty.css' ? '' : kind === 'name' && /\.ts$/.test(name) ? 'export const x = 1\n' : 'x')
      },
    }
  },
  flags() {
    const root = pick(['assets', 'assets', 'assets/images', 'missing', 'afile/x', 'afile', 'loop', LONG, `${'deep/'.repeat(40)}x`, '.', 'public', 'assets/../assets'])
    const out = pick(['public/assets', 'public/assets', 'assets', 'assets/out', 'afile/x', 'afile', `${LONG}/x`, 'loop/x', '.', '..', 'public', 'assets/images/../out'])
    const expect = root === 'assets' || root === 'assets/../assets' ? BASE_NAMES : []
    return { what: `--root ${root.slice(0, 40)} --out ${out.slice(0, 40)}`, source: false, options: { root, out }, args: ['--root', root, '--out', out], expect, noBase: true }
  },
  nesting() {
    const kind = pick(['cssBraces', 'jsArrays', 'jsParens', 'dirs', 'linkUp', 'cssNesting'])
    const n = kind === 'dirs' ? int(20, 120) : int(500, FULL ? 40000 : 12000)
    return {
      what: `${kind} ${n} deep`,
      source: kind !== 'dirs' && kind !== 'linkUp',
      expect: kind === 'dirs' ? [`${'d/'.repeat(n)}leaf.txt`] : [],
      apply: (d) => {
        if (kind === 'cssBraces') append(d, 'assets/site.css', `${'.a{'.repeat(n)}${'}'.repeat(n)}\n`)
        if (kind === 'cssNesting') append(d, 'assets/site.css', `.a { ${'& .b { '.repeat(n)}color: red${' }'.repeat(n)} }\n`)
        if (kind === 'jsArrays') append(d, 'assets/lib/shared.ts', `export const deep = ${'['.repeat(n)}${']'.repeat(n)}\n`)
        if (kind === 'jsParens') append(d, 'assets/lib/shared.ts', `export const deep2 = ${'('.repeat(n)}1${')'.repeat(n)}\n`)
        if (kind === 'dirs') {
          fs.mkdirSync(path.join(d, 'assets', 'd/'.repeat(n)), { recursive: true })
          fs.writeFileSync(path.join(d, 'assets', 'd/'.repeat(n), 'leaf.txt'), 'leaf')
        }
        if (kind === 'linkUp') {
          fs.mkdirSync(path.join(d, 'assets/images/sub'), { recursive: true })
          fs.symlinkSync('../..', path.join(d, 'assets/images/sub/up'))
        }
      },
    }
  },
}

const cases = Array.from({ length: COUNT }, (_, i) => ({ i, ...KINDS[pick(Object.keys(KINDS))]() }))

/** A message that is really an internal failure dressed as one: a JS error, a stack frame, or an errno with nothing to say what to do. */
const JS_LEAK = /Maximum call stack|Cannot read propert|is not a function|is not iterable|TypeError|RangeError|ReferenceError|\n\s+at \S.*:\d+:\d+\)?$/m
const ERRNO = /\b(E(NOTDIR|NAMETOOLONG|LOOP|INVAL|ISDIR|ACCES|PERM|BADF|NOENT|IO|MFILE|NFILE|ROFS|NOSPC|XDEV|BUSY|EXIST)|ERR_[A-Z_]{4,})\b/

function checkFailure(c, err) {
  if (!(err instanceof KilnError)) assert.unreachable(`case ${c.i} (${c.what}): internal error: ${err?.stack ?? err}`)
  assert.ok(err.errors.length, `case ${c.i} (${c.what}): a KilnError with no message`)
  for (const m of [...err.errors, ...err.warnings]) {
    const text = [m.text, ...m.notes.map((n) => n.text)].join('\n')
    assert.not.match(text, JS_LEAK, `case ${c.i} (${c.what}): an internal failure in a message: ${text}`)
    assert.ok(!ERRNO.test(m.text) || m.notes.length, `case ${c.i} (${c.what}): an errno without a hint: ${text}`)
  }
  if (c.source) assert.ok(err.errors.some((m) => m.location), `case ${c.i} (${c.what}): no file:line:col in ${err.message}`)
}

async function checkSuccess(c, dir, result) {
  const out = path.join(dir, c.options?.out ?? OUT)
  const v = await verify({ cwd: dir, env: {}, config: false, ...(c.options ? { out: c.options.out } : {}) })
  assert.ok(v.ok, `case ${c.i} (${c.what}): verify: ${JSON.stringify(v.problems)}`)
  assert.not.ok(c.mustFail, `case ${c.i} (${c.what}): built (exit 0) instead of naming the file it cannot represent`)
  const assets = loadManifest(path.join(out, 'manifest.json'), { env: {} })
  for (const name of assets.names()) assert.type(assets.url(name), 'string')
  for (const name of [...(c.noBase ? [] : BASE_NAMES), ...(c.expect ?? [])]) assert.ok(assets.has(name), `case ${c.i} (${c.what}): ${name} is missing from the manifest`)
  for (const file of Object.keys(result.manifestData.files)) {
    const text = fs.readFileSync(path.join(out, file)).toString('latin1')
    // (A source map's sourcesContent may show the module Kiln made for an imported image, placeholder and all.)
    if (!file.endsWith('.map')) assert.not.ok(text.includes('/__kiln_url__/'), `case ${c.i} (${c.what}): a url placeholder left in ${file}`)
    assert.not.ok(text.includes(dir), `case ${c.i} (${c.what}): an absolute path in ${file}`)
  }
}

async function runCase(c) {
  const dir = baseProject()
  try {
    c.apply?.(dir)
    let result
    try {
      result = await build({ cwd: dir, env: {}, config: false, ...c.options })
    } catch (err) {
      checkFailure(c, err)
    }
    if (result) await checkSuccess(c, dir, result)
    if (c.i % CLI_EVERY === 0) {
      const r = await kiln(['build', ...(c.args ?? [])], { cwd: dir })
      assert.ok([0, 1, 2].includes(r.code), `case ${c.i} (${c.what}): CLI exit ${r.code}`)
      assert.not.match(r.stderr, /internal error|\n\s+at \S.*:\d+:\d+\)?$/m, `case ${c.i} (${c.what}): CLI: ${r.stderr}`)
      if (r.code !== 0) assert.match(r.stderr, /^(Build failed with \d+ errors?:|error: )/m, `case ${c.i} (${c.what}): CLI: ${r.stderr}`)
    }
  } finally {
    remove(dir)
  }
}

const fuzz = suite('fuzzing paths, URLs, names and nesting')

fuzz(`should never give an internal error or exit 0 with a wrong artifact over ${COUNT} seeded cases`, async () => {
  const queue = [...cases]
  const failures = []
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) await runCase(c).catch((err) => failures.push(err.message))
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker))
  assert.equal(failures.slice(0, 12), [], `${failures.length} of ${COUNT} cases failed`)
})

fuzz('should cover every kind of change', () => {
  const kinds = new Set(cases.map((c) => c.what.split(' ')[0]))
  assert.ok(cases.some((c) => c.what.startsWith('url(')) && cases.some((c) => c.what.startsWith('@import')) && cases.some((c) => c.what.includes('chain')))
  assert.ok(cases.some((c) => c.what.startsWith('--root')) && cases.some((c) => c.what.startsWith('a file') || c.what.startsWith('a directory')), [...kinds].join(' '))
})

fuzz.run()
