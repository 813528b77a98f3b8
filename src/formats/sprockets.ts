// Sprockets (sprockets-rails' helpers with config.assets.compile = false):
// `<out>/.sprockets-manifest-<32 hex>.json` =
//   { "assets": { logical: digested }, "files": { digested: { logical_path, mtime, size, digest, integrity } } }
// The hex is fixed (the MD5 of "kiln-assets"), so every build merges into the same file and
// `config.assets.manifest` can name it. Sprockets 3 picks the first `.sprockets-manifest-*`
// in the directory, and only without one falls back to a legacy `manifest.json`, which would
// be Kiln's own (and which it would then rename on save): writing this file prevents that.
import type { Format, Json, JsonObject } from './merge.js'
import { isObject, mergeRecords } from './merge.js'

export const SPROCKETS_MANIFEST = '.sprockets-manifest-1de3fc88ca9e795ba452f7dc9027774d.json'
/** Sprockets' own pattern for the manifests it reads (manifest_utils.rb). */
export const SPROCKETS_MANIFEST_RE = /^\.sprockets-manifest-[0-9a-f]{32}\.json$/
/** Kiln's files have no mtime worth recording (the same sources give the same bytes): a fixed one keeps the file deterministic. */
export const SPROCKETS_MTIME = '1970-01-01T00:00:00+00:00'

export const sprockets: Format = {
  file: SPROCKETS_MANIFEST,
  title: 'the Sprockets manifest',
  create(names) {
    const assets: JsonObject = {}
    const files: JsonObject = {}
    for (const [name, n] of names.names) {
      assets[name] = n.file
      files[n.file] = {
        logical_path: names.logicalPath.get(n.file)!,
        mtime: SPROCKETS_MTIME,
        size: n.size,
        digest: hexDigest(n.integrity),
        integrity: n.integrity,
      }
    }
    return { assets, files }
  },
  merge(existing, ours, own) {
    if (!isObject(existing) || !isObject(existing.assets ?? {}) || !isObject(existing.files ?? {})) return null
    const oldAssets = (existing.assets ?? {}) as Record<string, unknown>
    const oldFiles = (existing.files ?? {}) as Record<string, unknown>
    return {
      ...(existing as JsonObject),
      assets: mergeRecords(oldAssets, ours.assets as JsonObject, (_, v) => !(typeof v === 'string' && own(v))),
      files: mergeRecords(oldFiles, ours.files as JsonObject, (k) => !own(k)),
    }
  },
  entries(data) {
    if (!isObject(data) || !isObject(data.assets ?? {}) || !isObject(data.files ?? {})) return null
    const out: [string, string][] = []
    for (const [k, v] of Object.entries((data.assets ?? {}) as Record<string, unknown>)) if (typeof v === 'string') out.push([k, v])
    for (const [k, v] of Object.entries((data.files ?? {}) as Record<string, unknown>)) {
      const logical = isObject(v) && typeof v.logical_path === 'string' ? v.logical_path : k
      out.push([logical, k])
    }
    return out
  },
}

/** Sprockets records a hex digest of the content; Kiln's is the SRI one, in hex. */
function hexDigest(integrity: string): Json {
  return Buffer.from(integrity.slice(integrity.indexOf('-') + 1), 'base64').toString('hex')
}
