// Propshaft (Rails 7+'s asset pipeline): `<out>/.manifest.json` =
//   { logical: { "digested_path": digested, "integrity": "sha384-…" } }
// Propshaft also reads its older form, { logical: digested }; merging keeps such entries as they are.
import type { Format, JsonObject } from './merge.js'
import { isObject, mergeRecords } from './merge.js'

export const propshaft: Format = {
  file: '.manifest.json',
  title: 'the Propshaft manifest',
  create(names) {
    const out: JsonObject = {}
    for (const [name, n] of names.names) out[name] = { digested_path: n.file, integrity: n.integrity }
    return out
  },
  merge(existing, ours, own) {
    if (!isObject(existing)) return null
    return mergeRecords(existing, ours, (_, v) => {
      const target = digested(v)
      return !(target !== null && own(target))
    })
  },
  entries(data) {
    if (!isObject(data)) return null
    return Object.entries(data).flatMap(([k, v]) => {
      const target = digested(v)
      return target === null ? [] : [[k, target] as [string, string]]
    })
  },
}

function digested(v: unknown): string | null {
  if (typeof v === 'string') return v
  return isObject(v) && typeof v.digested_path === 'string' ? v.digested_path : null
}
