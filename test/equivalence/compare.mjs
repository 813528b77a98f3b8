// Compares two artifact directories built from the same sources by two versions of Kiln whose
// fingerprint names (and manifest format) may differ: it maps each old file to its new name
// through the manifests (logical names, then the entry graph, source maps and variants, then
// a unique unfingerprinted name), rewrites old names to new ones inside the old contents, and
// lists every file whose bytes still differ. Reads manifest v1 and v2.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'

/** One manifest as { logical: Map name → file, files: Set, graph(file) → { imports, …, encodings } }. */
export function readManifest(dir) {
  const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'))
  const logical = new Map()
  const records = new Map()
  for (const [name, a] of Object.entries(m.assets)) {
    const file = typeof a === 'string' ? a : a.file
    logical.set(name, file)
    // v1 keeps the graph on the asset; v2 on the file's record.
    if (typeof a !== 'string') records.set(file, a)
  }
  for (const [file, rec] of Object.entries(m.files)) if (!records.has(file)) records.set(file, rec)
  const graph = (file) => {
    const r = records.get(file) ?? {}
    const encodings = Object.fromEntries(Object.entries(r.encodings ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : v.file]))
    return { imports: r.imports ?? [], dynamicImports: r.dynamicImports ?? [], css: r.css ?? [], map: r.map ? [r.map] : [], encodings }
  }
  return { version: m.version, publicPath: m.publicPath, logical, files: new Set(Object.keys(m.files)), graph }
}

const unhashed = (file) => file.replace(/-[A-Za-z0-9_]{6,}(\.[^./]+)$/, '$1')

/** old file → new file, or throws naming what could not be matched. */
export function mapNames(older, newer, allow = {}) {
  const map = new Map()
  const taken = new Map()
  const queue = []
  const pair = (a, b, why) => {
    if (!older.files.has(a) || !newer.files.has(b)) throw new Error(`${why}: ${a} → ${b} is not in both manifests' files`)
    if (map.has(a)) {
      if (map.get(a) !== b) throw new Error(`${why}: ${a} maps to both ${map.get(a)} and ${b}`)
      return
    }
    if (taken.has(b)) throw new Error(`${why}: ${taken.get(b)} and ${a} both map to ${b}`)
    map.set(a, b)
    taken.set(b, a)
    queue.push([a, b])
  }
  const oldNames = [...older.logical.keys()].sort()
  const newNames = [...newer.logical.keys()].sort()
  if (JSON.stringify(oldNames) !== JSON.stringify(newNames)) throw new Error(`the logical names differ: ${oldNames.filter((n) => !newer.logical.has(n)).concat(newNames.filter((n) => !older.logical.has(n))).slice(0, 5).join(', ')}`)
  for (const name of oldNames) pair(older.logical.get(name), newer.logical.get(name), `asset ${name}`)
  while (queue.length) {
    const [a, b] = queue.shift()
    const ga = older.graph(a)
    const gb = newer.graph(b)
    for (const k of ['imports', 'dynamicImports', 'css', 'map']) {
      // A stylesheet's map that the new build no longer writes (allow.cssMaps): left out, as in compareArtifacts.
      if (k === 'map' && allow.cssMaps && a.endsWith('.css') && gb.map.length === 0) continue
      if (ga[k].length !== gb[k].length) throw new Error(`${a}: ${k} has ${ga[k].length} files before and ${gb[k].length} now`)
      ga[k].forEach((x, i) => pair(x, gb[k][i], `${a} ${k}`))
    }
    for (const [enc, x] of Object.entries(ga.encodings)) if (gb.encodings[enc]) pair(x, gb.encodings[enc], `${a} ${enc}`)
    for (const suffix of ['.map', '.br', '.gz']) if (older.files.has(a + suffix) && newer.files.has(b + suffix)) pair(a + suffix, b + suffix, `${a}${suffix}`)
  }
  // What the manifests don't connect (chunks' own maps, files outside the root): by name without the hash, when unique.
  const byName = (files, mapped) => {
    const out = new Map()
    for (const f of files) if (!mapped.has(f)) out.set(unhashed(f), out.has(unhashed(f)) ? null : f)
    return out
  }
  const restNew = byName(newer.files, taken)
  for (const [name, a] of byName(older.files, map)) {
    const b = restNew.get(name)
    if (a && b) pair(a, b, `name ${name}`)
  }
  return map
}

const TEXT = /\.(js|mjs|css|map|svg|json|txt|html|xml)$/

/**
 * Every difference between the two artifacts after mapping names, as strings; [] when the same.
 * `allow.cssMaps`: the new build writes no CSS source maps (their default changed), so the old
 * .css.map files and the comment pointing at them are left out of the comparison.
 * `allow.minifiedNames`: minified JS may differ in its one- and two-letter names (see `masked`).
 */
export function compareArtifacts(oldDir, newDir, allow = {}) {
  const older = readManifest(oldDir)
  const newer = readManifest(newDir)
  const map = mapNames(older, newer, allow)
  const skipped = (f) => allow.cssMaps && f.endsWith('.css.map')
  const problems = []
  for (const f of older.files) if (!map.has(f) && !skipped(f)) problems.push(`${f}: no counterpart in the new artifact`)
  const mapped = new Set(map.values())
  for (const f of newer.files) if (!mapped.has(f)) problems.push(`${f}: new, with no counterpart in the old artifact`)
  // Longest first, so a name that contains another is replaced whole.
  const renames = [...map].map(([a, b]) => [path.posix.basename(a), path.posix.basename(b)]).filter(([a, b]) => a !== b).sort((x, y) => y[0].length - x[0].length)
  // The url() placeholder a file had while esbuild bundled (url-placeholders.ts) hashes its name; a
  // source map's sourcesContent can show it. Renamed like the name it stands for.
  const placeholder = (file) => `/__kiln_url__/${crypto.createHash('sha256').update(JSON.stringify([file, ''])).digest('hex').slice(0, 16)}`
  const ids = [...map].filter(([a, b]) => a !== b).map(([a, b]) => [placeholder(a), placeholder(b)])
  const rename = (text) => {
    for (const [a, b] of ids) text = text.split(a).join(b)
    for (const [a, b] of renames) text = text.split(a).join(b)
    return text
  }
  // esbuild's minifier picks short local names by the frequency of characters in the code,
  // placeholders included: other fingerprints, other one- and two-letter names. With
  // allow.minifiedNames such names are compared as one token (an unminified build is compared whole).
  const masked = (text) => text.replace(/(?<![\w$])[A-Za-z_$][\w$]?(?![\w$])/g, '_')
  for (const [a, b] of map) {
    let before = fs.readFileSync(path.join(oldDir, a))
    let after = fs.readFileSync(path.join(newDir, b))
    const variant = /\.(br|gz)$/.exec(a)?.[1]
    if (variant) {
      const inflate = variant === 'br' ? zlib.brotliDecompressSync : zlib.gunzipSync
      before = inflate(before)
      after = inflate(after)
    }
    const inner = variant ? a.slice(0, -3) : a
    if (TEXT.test(inner)) {
      let text = before.toString('utf8')
      if (allow.cssMaps && inner.endsWith('.css')) text = text.replace(/\n?\/\*# sourceMappingURL=[^*]*\*\/\s*$/, '\n')
      const want = rename(text)
      const got = after.toString('utf8')
      const minified = allow.minifiedNames && inner.endsWith('.js') && masked(want) === masked(got)
      if (want !== got && !minified && !(allow.cssMaps && inner.endsWith('.css') && want.trimEnd() === got.trimEnd())) problems.push(`${a} → ${b}: contents differ at byte ${firstDifference(want, got)}`)
    } else if (!before.equals(after)) problems.push(`${a} → ${b}: bytes differ`)
  }
  return { problems, mapped: map.size, renamed: renames.length, versions: [older.version, newer.version] }
}

function firstDifference(a, b) {
  let i = 0
  while (i < a.length && a[i] === b[i]) i++
  return `${i} (${JSON.stringify(a.slice(Math.max(0, i - 20), i + 40))} vs ${JSON.stringify(b.slice(Math.max(0, i - 20), i + 40))})`
}
