// Django's ManifestStaticFilesStorage (and WhiteNoise's storages built on it):
// `staticfiles.json` in STATIC_ROOT = { "paths": { logical: hashed }, "version": "1.0" }.
// Django 3.2 accepts only "1.0"; 4.2+ reads "1.0" and "1.1", whose "hash" is the first 12 hex
// of the MD5 of Python's json.dumps of the sorted (name, hashed) pairs. Kiln writes "1.0",
// and keeps "1.1" (with the hash recomputed) when merging into a file collectstatic wrote so.
import crypto from 'node:crypto'
import type { Format, JsonObject } from './merge.js'
import { isObject, mergeRecords } from './merge.js'

export const django: Format = {
  file: 'staticfiles.json',
  title: "Django's staticfiles.json",
  unchecked: ['version', 'hash'],
  rewrittenBy: 'collectstatic',
  create(names) {
    const paths: JsonObject = {}
    for (const [name, n] of names.names) paths[name] = n.file
    return { paths, version: '1.0' }
  },
  merge(existing, ours, own) {
    if (!isObject(existing) || (existing.version !== '1.0' && existing.version !== '1.1') || !isObject(existing.paths ?? {})) return null
    const paths = mergeRecords((existing.paths ?? {}) as Record<string, unknown>, ours.paths as JsonObject, (_, v) => !(typeof v === 'string' && own(v)))
    if (existing.version === '1.0') return { ...(existing as JsonObject), paths, version: '1.0' }
    return { ...(existing as JsonObject), paths, version: '1.1', hash: djangoManifestHash(paths) }
  },
  entries(data) {
    if (!isObject(data) || !isObject(data.paths ?? {})) return null
    return Object.entries((data.paths ?? {}) as Record<string, unknown>).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v] as [string, string]] : []))
  },
}

/** Django 4.2's manifest hash: md5(json.dumps(sorted(paths.items())))[:12], with Python's separators and ASCII escapes. */
export function djangoManifestHash(paths: JsonObject): string {
  const pairs = Object.entries(paths).map(([k, v]) => [k, String(v)] as const)
    .sort((a, b) => comparePython(a[0], b[0]) || comparePython(a[1], b[1]))
  const text = `[${pairs.map(([k, v]) => `[${pythonString(k)}, ${pythonString(v)}]`).join(', ')}]`
  return crypto.createHash('md5').update(text).digest('hex').slice(0, 12)
}

/** Python compares strings by code point; JavaScript's < by UTF-16 unit (they differ above U+FFFF). */
function comparePython(a: string, b: string): number {
  const x = [...a]
  const y = [...b]
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!
    if (d) return d
  }
  return x.length - y.length
}

/** json.dumps(s) with ensure_ascii: everything outside space..~ as \uXXXX (per UTF-16 unit), like JSON.stringify for the rest. */
function pythonString(s: string): string {
  return JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
