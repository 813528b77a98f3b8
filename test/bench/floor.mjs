// The floor: what the job costs at the least. esbuild alone bundles the same JS and CSS
// entries (CSS url() targets through its file loader), then every other static file is
// hashed and copied with node:crypto and fs, in this one process: no postcss, no SRI, no
// compression, no manifest. Usage: node floor.mjs SRC OUT
import crypto from 'node:crypto'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

// Kiln's own esbuild, not whichever one the bench's peers brought.
const esbuild = createRequire(new URL('../../package.json', import.meta.url))('esbuild')

const [src, out] = process.argv.slice(2)
const entries = fs.readdirSync(src).filter((f) => /\.(ts|js|css)$/.test(f)).map((f) => path.join(src, f))
const result = await esbuild.build({
  entryPoints: entries, outdir: out, outbase: src, bundle: true, splitting: true, format: 'esm', minify: true, sourcemap: 'linked',
  entryNames: '[dir]/[name]-[hash]', chunkNames: 'chunks/[name]-[hash]', assetNames: '[dir]/[name]-[hash]', metafile: true,
  loader: { '.png': 'file', '.jpg': 'file', '.svg': 'file', '.woff2': 'file', '.json': 'file', '.txt': 'file' },
  external: ['https://*', 'data:*'], logLevel: 'error',
})
const used = new Set(Object.keys(result.metafile.inputs).map((p) => path.resolve(p)))
const statics = []
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name)
    if (e.isDirectory()) walk(p)
    else if (!/\.(ts|js|css)$/.test(e.name) && !used.has(p)) statics.push(p)
  }
}
walk(src)
let next = 0
await Promise.all(Array.from({ length: 16 }, async () => {
  while (next < statics.length) {
    const file = statics[next++]
    const bytes = await fs.promises.readFile(file)
    const hash = crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 8)
    const rel = path.relative(src, file)
    const dest = path.join(out, rel.replace(/(\.[^.]+)$/, `-${hash}$1`))
    await fs.promises.mkdir(path.dirname(dest), { recursive: true })
    await fs.promises.writeFile(dest, bytes)
  }
}))
