// kiln inspect NAME: how a logical name resolves — the first thing to run when production
// says "asset not found". Also answers for an output file (which assets use it).
import path from 'node:path'
import { resolveConfig, type BuildOptions } from './config.js'
import { buildError, displayPath } from './diagnostics.js'
import { MANIFEST_NAME } from './manifest.js'
import { closest } from './runtime/closest.js'
import { readManifest } from './runtime/index.js'
import { ManifestError } from './runtime/errors.js'
import { mimeType } from './runtime/mime.js'
import { checkAll, type Encoding, type FileRecord, type ValidManifest } from './runtime/validate.js'
import { encodePath } from './runtime/url-path.js'

export interface InspectResult {
  manifest: string
  name: string
  /** The asset, when NAME is a logical name. */
  asset: InspectedAsset | null
  /** When NAME is an output file: the file and the logical names whose graph includes it. */
  file: (FileRecord & { file: string; usedBy: string[] }) | null
}

/** A logical name's file, its record and URL; each variant with its own size, as the terminal shows it. */
export interface InspectedAsset extends Omit<FileRecord, 'encodings'> {
  file: string
  type: string
  url: string
  encodings?: Partial<Record<Encoding, { file: string; size: number }>>
}

export async function inspect(name: string, options: BuildOptions = {}): Promise<InspectResult> {
  const config = await resolveConfig(options)
  const manifestPath = path.join(config.outDir, MANIFEST_NAME)
  const shown = displayPath(manifestPath, config.cwd)
  let m
  try {
    m = checkAll(readManifest(manifestPath))
  } catch (err) {
    if (err instanceof ManifestError) throw buildError(err.message.replace(manifestPath, shown))
    throw err
  }
  const url = (file: string) => m.publicPath + encodePath(file)
  const file = m.assets[name]
  if (file !== undefined) return { manifest: shown, name, asset: { file, type: mimeType(file), ...m.files[file]!, url: url(file), encodings: variantsOf(m, file) }, file: null }
  const rec = m.files[name]
  const names = Object.keys(m.assets)
  if (rec) {
    const uses = (f: string) => {
      const r = m.files[f]!
      return [f, r.map, ...(r.css ?? []), ...(r.imports ?? []), ...(r.dynamicImports ?? []), ...Object.values(r.encodings ?? {})].includes(name)
    }
    const usedBy = names.filter((n) => uses(m.assets[n]!))
    const { integrity, size } = rec
    return { manifest: shown, name, asset: null, file: { integrity, size, file: name, usedBy } }
  }
  const near = closest(name, names, 3)
  throw buildError(`'${name}' is not in ${shown}`, null, near.length ? `did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : `it lists ${names.length} assets; names are paths relative to the source root, e.g. '${names[0] ?? 'app.ts'}'`)
}

function variantsOf(m: ValidManifest, file: string): InspectedAsset['encodings'] {
  const list = Object.entries(m.files[file]!.encodings ?? {})
  return list.length ? Object.fromEntries(list.map(([enc, f]) => [enc, { file: f, size: m.files[f!]!.size }])) : undefined
}

export function formatInspect(r: InspectResult): string {
  if (r.file) {
    return [`${r.name}: a file of this build (${r.file.size} bytes, ${r.file.integrity})`, `  used by: ${r.file.usedBy.join(', ') || 'no asset (a referenced file or a variant)'}`, `  manifest: ${r.manifest}`].join('\n')
  }
  const a = r.asset!
  const lines = [`${r.name}`, `  file:       ${a.file}`, `  url:        ${a.url}`, `  type:       ${a.type}`, `  size:       ${a.size} bytes`, `  integrity:  ${a.integrity}`]
  if (a.map) lines.push(`  map:        ${a.map}`)
  for (const [enc, v] of Object.entries(a.encodings ?? {})) lines.push(`  ${`${enc}:`.padEnd(11)} ${v!.file} (${v!.size} bytes)`)
  if (a.css?.length) lines.push(`  css:        ${a.css.join('\n              ')}`)
  if (a.imports?.length) lines.push(`  imports:    ${a.imports.join('\n              ')}`)
  if (a.dynamicImports?.length) lines.push(`  lazy:       ${a.dynamicImports.join('\n              ')}`)
  lines.push(`  manifest:   ${r.manifest}`)
  return lines.join('\n')
}
