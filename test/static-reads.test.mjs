// A static file rewritten while the build reads it: what the manifest lists (size,
// integrity) and what is written (the file, its .br/.gz) must all come from one read.
// The edit is provoked deterministically by a preloaded hook (node --import, which worker
// threads inherit) that rewrites the file at the moment Kiln opens it.
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import { pathToFileURL } from 'node:url'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { assetOf, kiln, manifestOf, project, remove, sri } from './helpers.mjs'

/** A hook that appends to `target` when it is opened for reading the `nth` time (1: before the first read). */
function hook(dir, target, nth = 1) {
  const file = path.join(dir, 'edit-on-read.mjs')
  fs.writeFileSync(file, `
import fs from 'node:fs'
const target = ${JSON.stringify(target)}
let opened = 0
const edit = (p) => {
  if (String(p) !== target || ++opened !== ${nth}) return
  fs.appendFileSync(target, Buffer.alloc(1024 * 1024, 'y'))
}
for (const name of ['readFile', 'createReadStream', 'openSync']) {
  const original = fs[name]
  fs[name] = function (p, ...rest) { edit(p); return original.call(this, p, ...rest) }
}
const original = fs.promises.readFile
fs.promises.readFile = function (p, ...rest) { edit(p); return original.call(this, p, ...rest) }
`)
  return { NODE_OPTIONS: `--import=${pathToFileURL(file).href}` }
}

function checkListedBytes(dir, name) {
  const m = manifestOf(dir)
  const asset = assetOf(m, name)
  const bytes = fs.readFileSync(path.join(dir, 'public/assets', asset.file))
  assert.is(asset.size, bytes.length, 'the listed size is the size written')
  assert.is(asset.integrity, sri(bytes), 'the listed integrity is of the bytes written')
  for (const [encoding, file] of Object.entries(asset.encodings ?? {})) {
    const packed = fs.readFileSync(path.join(dir, 'public/assets', file))
    const unpacked = encoding === 'br' ? zlib.brotliDecompressSync(packed) : zlib.gunzipSync(packed)
    assert.ok(unpacked.equals(bytes), `${file} decodes to the file it is listed for`)
  }
}

const reads = suite('a static file rewritten while it is read')

reads('should list and compress a small file from the one read it was copied from', async () => {
  const dir = project({ 'assets/app.css': 'body { margin: 0 }\n', 'assets/notes.txt': 'x'.repeat(4096) })
  try {
    const r = await kiln(['build', '--no-sourcemap'], { cwd: dir, env: hook(dir, path.join(dir, 'assets/notes.txt')) })
    assert.is(r.code, 0, r.stderr)
    checkListedBytes(dir, 'notes.txt')
    assert.is((await kiln(['verify'], { cwd: dir })).code, 0)
  } finally {
    remove(dir)
  }
})

reads('should compress a streamed (> 4 MiB) file from the bytes it hashed, not a second read', async () => {
  const dir = project({ 'assets/app.css': 'body { margin: 0 }\n', 'assets/big.txt': Buffer.alloc(5 * 1024 * 1024, 'x') })
  try {
    for (const nth of [1, 2]) {
      remove(path.join(dir, 'public'))
      remove(path.join(dir, '.kiln-cache'))
      const r = await kiln(['build', '--no-sourcemap', '--compress', 'gzip', '--gzip-level', '1'], { cwd: dir, env: hook(dir, path.join(dir, 'assets/big.txt'), nth) })
      assert.is(r.code, 0, r.stderr)
      checkListedBytes(dir, 'big.txt')
      assert.ok(assetOf(manifestOf(dir), 'big.txt').encodings?.gzip, 'the variant exists')
    }
  } finally {
    remove(dir)
  }
})

reads.run()
