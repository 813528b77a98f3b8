// Runtime hardening: fromManifest fed random and mutated manifests (seeded). Only
// ManifestError may come out of it, lookups on what it accepts behave, nothing hangs, and no
// prototype is ever touched. KILN_FULL_TESTS=1 runs 100,000.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { AssetNotFoundError, ManifestError, fromManifest } from '../dist/runtime/index.js'
import { mulberry32 } from './bench/corpus.mjs'

const COUNT = process.env.KILN_FULL_TESTS === '1' ? 100_000 : 10_000


const rand = mulberry32(0xc0ffee)
const pick = (xs) => xs[Math.floor(rand() * xs.length)]
const NAMES = ['app.ts', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'a/b.css', '../x.js', '', ' ', 'é.svg', 'x'.repeat(5000), '\0', 'valueOf', 'prototype']
const STRINGS = [...NAMES, 'sha384-AAAA', 'sha256-', 'sha512-' + 'A'.repeat(300), 'text/javascript', '/assets/', '/', 'http://x/', 'sha384-x"<>']

function randomValue(depth = 0) {
  const r = rand()
  if (depth > 4 || r < 0.15) return pick([null, true, false, 0, -1, 1.5, 2 ** 60, NaN, Infinity, -0, undefined])
  if (r < 0.35) return pick(STRINGS)
  if (r < 0.5) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(depth + 1))
  const o = {}
  for (let i = Math.floor(rand() * 5); i > 0; i--) Object.defineProperty(o, pick([...NAMES, 'file', 'integrity', 'size', 'type', 'css', 'imports', 'map', 'encodings', 'br', 'gzip', 'version', 'files', 'assets', 'publicPath']), { value: randomValue(depth + 1), enumerable: true, configurable: true, writable: true })
  return o
}

function valid() {
  const integrity = 'sha384-' + 'A'.repeat(64)
  return {
    version: 2,
    publicPath: '/assets/',
    assets: { 'app.ts': 'app-AAAAAAAA.js', 'c.css': 'c-BBBBBBBB.css' },
    files: {
      'app-AAAAAAAA.js': { integrity, size: 10, css: ['c-BBBBBBBB.css'], imports: [], encodings: { br: 'app-AAAAAAAA.js.br' } },
      'app-AAAAAAAA.js.br': { integrity, size: 5 },
      'c-BBBBBBBB.css': { integrity, size: 3 },
    },
  }
}

/** A valid manifest with one to three random things broken, anywhere in it. */
function mutated() {
  const m = valid()
  for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
    const paths = []
    const walk = (o, p) => {
      if (o && typeof o === 'object') for (const k of Object.keys(o)) (paths.push([o, k]), walk(o[k], [...p, k]))
    }
    walk(m, [])
    const [obj, key] = pick(paths)
    const r = rand()
    if (r < 0.3) delete obj[key]
    else if (r < 0.8) obj[key] = randomValue(2)
    else Object.defineProperty(obj, pick(NAMES), { value: randomValue(2), enumerable: true, configurable: true, writable: true })
  }
  return m
}

const fuzz = suite('fromManifest fuzzing')

fuzz(`should only ever throw ManifestError over ${COUNT.toLocaleString('en')} random and mutated manifests`, () => {
  const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort()
  let accepted = 0
  let rejected = 0
  const started = Date.now()
  for (let i = 0; i < COUNT; i++) {
    const input = i % 2 ? mutated() : i % 10 === 0 ? JSON.parse(JSON.stringify(randomValue()) ?? 'null') : randomValue()
    let assets
    try {
      assets = fromManifest(input, { env: {} })
      accepted++
    } catch (err) {
      if (!(err instanceof ManifestError)) throw new Error(`case ${i}: ${err?.name}: ${err?.message}\n${JSON.stringify(input)?.slice(0, 500)}`)
      rejected++
      continue
    }
    for (const name of [...assets.names().slice(0, 3), pick(NAMES)]) {
      for (const method of ['url', 'integrity', 'entry', 'tags', 'has']) {
        try {
          assets[method](name)
        } catch (err) {
          // A record is checked when a lookup first reads it: a malformed one is a ManifestError then.
          if (!(err instanceof AssetNotFoundError || err instanceof ManifestError)) throw new Error(`case ${i}: ${method}(${JSON.stringify(name)}) threw ${err?.name}: ${err?.message}`)
        }
      }
    }
  }
  console.log(`  fuzzed ${COUNT} manifests: ${accepted} accepted, ${rejected} rejected with ManifestError, in ${Date.now() - started} ms`)
  assert.ok(accepted > COUNT / 100, 'some mutations stay valid (so lookups were exercised too)')
  assert.equal(Object.getOwnPropertyNames(Object.prototype).sort(), protoKeys, 'Object.prototype unchanged')
  assert.is({}.file, undefined)
  assert.is({}.polluted, undefined)
})

fuzz('should treat prototype names as ordinary asset names', () => {
  const m = valid()
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) Object.defineProperty(m.assets, name, { value: m.assets['c.css'], enumerable: true })
  const assets = fromManifest(JSON.parse(JSON.stringify(m)), { env: {} })
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) assert.is(assets.url(name), '/assets/c-BBBBBBBB.css', name)
  assert.not.ok(assets.has('valueOf'))
  assert.is(Object.getPrototypeOf(assets.entry('__proto__')), Object.prototype)
})

fuzz.run()
