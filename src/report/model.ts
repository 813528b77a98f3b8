// The report's model, from a manifest (and, from a build, esbuild's module sizes): per entry
// the initial load and the lazy chunks with raw, gzip and brotli sizes; every JS/CSS output by
// source module or package; the static files by type; the change against an earlier manifest.
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'
import type { CompiledEntry } from '../compilers/types.js'
import { assetEntries, assetOf, type Manifest } from '../manifest.js'
import { packageOf, browserFiles } from './budgets.js'
import { entryNames } from './entry-sizes.js'
import { initialFiles } from './sizes.js'
import { sizesFromSourceMap } from './source-map-sizes.js'

export interface FileSize {
  file: string
  raw: number
  gzip: number
  brotli: number
}

export interface ReportModel {
  entries: { name: string; initial: FileSize[]; lazy: FileSize[] }[]
  /** Output file → module or package → bytes (minified); empty for a manifest read on its own. */
  tree: { file: string; size: number; modules: { name: string; size: number }[] }[]
  statics: { type: string; count: number; size: number; files: { name: string; size: number }[] }[]
  changes: { name: string; before: number | null; after: number | null }[] | null
  total: number
}

export function reportModel(manifest: Manifest, outDir: string, entries: CompiledEntry[] | null, previous: Manifest | null, cwd = process.cwd()): ReportModel {
  const sized = new Map<string, FileSize>()
  const size = (file: string): FileSize => {
    let s = sized.get(file)
    if (!s) {
      const raw = manifest.files[file]?.size ?? 0
      const variant = (ext: string) => manifest.files[`${file}.${ext}`]?.size
      let bytes: Buffer | null = null
      const read = () => (bytes ??= readOr(path.join(outDir, file)))
      const gzip = variant('gz') ?? Math.min(raw, zlib.gzipSync(read(), { level: 9 }).length)
      const brotli = variant('br') ?? Math.min(raw, zlib.brotliCompressSync(read()).length)
      s = { file, raw, gzip, brotli }
      sized.set(file, s)
    }
    return s
  }
  const names = entries ? entries.map((e) => e.logical).sort() : entryNames(manifest)
  const model: ReportModel['entries'] = names.map((name) => {
    const initial = initialFiles(manifest, name)
    const lazy = lazyFiles(manifest, name, initial)
    return { name, initial: initial.map(size), lazy: lazy.map(size) }
  })
  const modules = new Map<string, Map<string, number>>()
  for (const e of entries ?? []) {
    for (const [file, sources] of Object.entries(e.modules ?? {})) {
      if (modules.has(file)) continue
      const by = new Map<string, number>()
      for (const [src, n] of Object.entries(sources)) by.set(packageOf(src), (by.get(packageOf(src)) ?? 0) + n)
      modules.set(file, by)
    }
  }
  const outputs = new Set(model.flatMap((e) => [...e.initial, ...e.lazy].map((f) => f.file)))
  // Outputs esbuild's metafile does not cover (stylesheet entries, PostCSS's imports; a manifest
  // read on its own): module sizes from their source maps, when they were written.
  for (const file of outputs) {
    if (modules.has(file)) continue
    const sources = manifest.files[`${file}.map`] ? sizesFromSourceMap(path.join(outDir, file), cwd) : null
    if (!sources) continue
    const by = new Map<string, number>()
    for (const [src, n] of Object.entries(sources)) by.set(packageOf(src), (by.get(packageOf(src)) ?? 0) + n)
    modules.set(file, by)
  }
  const tree = [...outputs].sort().map((file) => ({
    file,
    size: manifest.files[file]?.size ?? 0,
    modules: [...(modules.get(file) ?? [])].map(([name, n]) => ({ name, size: n })).sort((a, b) => b.size - a.size),
  }))
  const staticFiles = assetEntries(manifest).filter(([n, a]) => !names.includes(n) && !outputs.has(a.file))
  const byType = new Map<string, { name: string; size: number }[]>()
  for (const [n, a] of staticFiles) {
    const type = path.posix.extname(n).slice(1).toLowerCase() || 'other'
    byType.set(type, [...(byType.get(type) ?? []), { name: n, size: a.size }])
  }
  const statics = [...byType].map(([type, files]) => ({ type, count: files.length, size: files.reduce((n, f) => n + f.size, 0), files: files.sort((a, b) => b.size - a.size) })).sort((a, b) => b.size - a.size)
  const changes = previous ? changesOf(previous, manifest) : null
  return { entries: model, tree, statics, changes, total: browserFiles(manifest).reduce((n, f) => n + (manifest.files[f]?.size ?? 0), 0) }
}

/**
 * What grew, shrank, appeared or vanished: each entry's initial load and lazy chunks (raw
 * bytes; a chunk renamed by a change elsewhere is still the same entry's), and each static file.
 */
function changesOf(before: Manifest, after: Manifest): ReportModel['changes'] {
  const sizes = (m: Manifest) => {
    const out = new Map<string, number>()
    const entries = entryNames(m)
    const files = new Set<string>()
    for (const name of entries) {
      const initial = initialFiles(m, name)
      const lazy = lazyFiles(m, name, initial)
      for (const f of [...initial, ...lazy]) files.add(f)
      out.set(`${name} (initial)`, initial.reduce((n, f) => n + (m.files[f]?.size ?? 0), 0))
      if (lazy.length) out.set(`${name} (lazy)`, lazy.reduce((n, f) => n + (m.files[f]?.size ?? 0), 0))
    }
    for (const [name, a] of assetEntries(m)) if (!entries.includes(name) && !files.has(a.file)) out.set(name, a.size)
    return out
  }
  const b = sizes(before)
  const a = sizes(after)
  return [...new Set([...b.keys(), ...a.keys()])].sort().flatMap((name) => {
    const was = b.get(name) ?? null
    const is = a.get(name) ?? null
    return was === is ? [] : [{ name, before: was, after: is }]
  })
}

/** The chunks an entry loads later: its dynamic imports and what they import, transitively. */
function lazyFiles(manifest: Manifest, name: string, initial: string[]): string[] {
  const seen = new Set(initial)
  const lazy: string[] = []
  const add = (list: string[] | undefined) => {
    for (const f of list ?? []) if (!seen.has(f)) { seen.add(f); lazy.push(f) }
  }
  add(assetOf(manifest, name)?.dynamicImports)
  for (let i = 0; i < lazy.length; i++) {
    const owner = manifest.files[lazy[i]!]
    add(owner?.imports)
    add(owner?.dynamicImports)
  }
  return lazy
}

function readOr(file: string): Buffer {
  try {
    return fs.readFileSync(file)
  } catch {
    return Buffer.alloc(0)
  }
}
