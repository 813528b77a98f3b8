// Vite's backend-integration manifest, read by Laravel, AdonisJS, django-vite, vite_ruby
// and others: `<out>/.vite/manifest.json` =
//   { "<src>": { file, name, src, isEntry, imports, dynamicImports, css, integrity }, "_<chunk>": { file, name } }
// Keys are Kiln's logical names (paths relative to Kiln's root, as Vite's are relative to its
// `root`); `imports` and `dynamicImports` name other keys; chunks without a source get `_`
// keys, as Vite gives them. Kiln's `imports` are already transitive, so a reader that follows
// one level (AdonisJS) or all (Laravel) preloads the same chunks. `integrity` is not Vite's,
// but Laravel and AdonisJS put it on the tags when it is there.
import path from 'node:path'
import { assetEntries, type Manifest } from '../manifest.js'
import type { Format, JsonObject } from './merge.js'
import { isObject, mergeRecords } from './merge.js'

export const vite: Format = {
  file: '.vite/manifest.json',
  title: 'the Vite manifest',
  create(names, m) {
    const out: JsonObject = {}
    const keyOfFile = chunkKeys(m)
    const assets = assetEntries(m)
    for (const [name, a] of assets) {
      if (a.type !== 'text/javascript' && a.type !== 'text/css') {
        out[name] = { file: a.file, src: name, integrity: a.integrity }
        continue
      }
      const rec: JsonObject = { file: a.file, name: path.posix.basename(name, path.posix.extname(name)), src: name, isEntry: true, integrity: a.integrity }
      if (a.imports?.length) rec.imports = a.imports.map((f) => keyOfFile.get(f)!)
      if (a.dynamicImports?.length) rec.dynamicImports = a.dynamicImports.map((f) => keyOfFile.get(f)!)
      if (a.css?.length) rec.css = [...a.css]
      out[name] = rec
    }
    const dynamic = new Set(assets.flatMap(([, a]) => a.dynamicImports ?? []))
    for (const [file, key] of keyOfFile) {
      if (key in out) continue
      const rec: JsonObject = { file, name: chunkName(file) }
      const integrity = m.files[file]?.integrity
      if (integrity) rec.integrity = integrity
      if (dynamic.has(file)) rec.isDynamicEntry = true
      out[key] = rec
    }
    // app.js for app.ts, theme.css for theme.scss: the same record under the name of what was written.
    for (const [alias, n] of names.names) {
      if (n.aliasOf !== undefined && m.assets[n.aliasOf] === n.file && !(alias in out)) out[alias] = out[n.aliasOf]!
    }
    return out
  },
  merge(existing, ours, own) {
    if (!isObject(existing)) return null
    return mergeRecords(existing, ours, (_, v) => !(isObject(v) && typeof v.file === 'string' && own(v.file)))
  },
  entries(data) {
    if (!isObject(data)) return null
    return Object.entries(data).flatMap(([k, v]) => (isObject(v) && typeof v.file === 'string' ? [[k, v.file] as [string, string]] : []))
  },
}

/** Key of every chunk an entry imports: the entry's own name when the chunk is an entry, else `_` and its file name (its path where two share one). */
function chunkKeys(m: Manifest): Map<string, string> {
  const assets = assetEntries(m)
  const entryOf = new Map(assets.map(([name, a]) => [a.file, name]))
  const chunks = [...new Set(assets.flatMap(([, a]) => [...(a.imports ?? []), ...(a.dynamicImports ?? [])]))].sort()
  const base = (f: string) => `_${path.posix.basename(f)}`
  const count = new Map<string, number>()
  for (const f of chunks) if (!entryOf.has(f)) count.set(base(f), (count.get(base(f)) ?? 0) + 1)
  return new Map(chunks.map((f) => [f, entryOf.get(f) ?? (count.get(base(f)) === 1 && !(base(f) in m.assets) ? base(f) : `_${f}`)]))
}

/** `chunks/shared-D4SWFS6J.js` → `shared`, as Vite names a chunk. */
function chunkName(file: string): string {
  return path.posix.basename(file).replace(/-[A-Z2-7]{8}(\.[^.]+)*$/, '').replace(/(\.[^.]+)+$/, '')
}
