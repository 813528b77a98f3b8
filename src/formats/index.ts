// Compatibility manifests: one row per format (formats/<name>.ts, each a pure function of
// Kiln's manifest plus a merge), written by `kiln build` after Kiln's manifest is made and
// before it is written (manifest.json stays the commit point), checked by `kiln verify`
// against Kiln's manifest, and read by `kiln clean`, which keeps what they name.
import fs from 'node:fs'
import path from 'node:path'
import { KilnError, message, type Message } from '../diagnostics.js'
import { HISTORY_DIR, MANIFEST_NAME, type Manifest } from '../manifest.js'
import { fileError } from '../output.js'
import { isTempFile } from '../temp.js'
import { django } from './django.js'
import { isObject, readExisting, stableJson, writeIfChanged, type Format, type Json, type JsonObject } from './merge.js'
import { FORMAT_NAMES, nameTable, unexpressible, type FormatName } from './names.js'
import { propshaft } from './propshaft.js'
import { SPROCKETS_MANIFEST_RE, sprockets } from './sprockets.js'
import { vite } from './vite.js'

export { FORMAT_NAMES, type FormatName } from './names.js'

export const FORMATS: Record<FormatName, Format> = { sprockets, propshaft, django, vite }

export interface FormatsConfig {
  outDir: string
  cwd: string
  formats: readonly FormatName[]
}

/**
 * Writes each configured compatibility manifest into the artifact directory, merged into
 * whatever another tool left there. A name no reader can ask for (`#`, `?`) is an error
 * before anything is written; the rest are warnings. Returns the warnings.
 */
export async function writeFormats(config: FormatsConfig, manifest: Manifest): Promise<Message[]> {
  const chosen = FORMAT_NAMES.filter((f) => config.formats.includes(f))
  if (!chosen.length) return []
  const names = nameTable(manifest)
  const warnings = names.ambiguous.map((a) => message(`"${a.alias}" is not in the compatibility manifests: ${a.claimants.map((c) => `"${c}"`).join(' and ')} would both be written as it`, null, `ask for ${a.claimants.map((c) => `"${c}"`).join(' or ')} by its source name`))
  const planned = chosen.map((name) => ({ name, format: FORMATS[name], ours: FORMATS[name].create(names, manifest) }))
  failOnUnexpressible(planned, manifest)
  const own = kilnFiles(config.outDir, manifest)
  for (const { format, ours } of planned) {
    const abs = path.join(config.outDir, format.file)
    const shown = path.posix.join(path.relative(config.cwd, config.outDir).split(path.sep).join('/'), format.file)
    try {
      const existing = readExisting(abs)
      let merged: JsonObject = ours
      if (existing.state === 'json') {
        merged = format.merge(existing.data, ours, (f) => own.has(f)) ?? ours
        if (merged === ours) warnings.push(message(`${shown} was not ${format.title}: replaced it`))
      } else if (existing.state === 'broken') {
        warnings.push(message(`${shown} was ${existing.reason}: replaced it`))
      }
      await writeIfChanged(abs, stableJson(merged), existing)
    } catch (err) {
      throw fileError(Object.assign(err as NodeJS.ErrnoException, { path: (err as NodeJS.ErrnoException).path ?? abs }), config.cwd)
    }
  }
  if (chosen.includes('sprockets')) warnings.push(...otherSprocketsManifests(config.outDir, config.cwd))
  return warnings
}

function failOnUnexpressible(planned: { name: FormatName; format: Format; ours: JsonObject }[], manifest: Manifest) {
  // One error per file written: its source name when it has one (app#1.ts, not also app#1.js and app#1-X.js).
  const bad = new Map<string, { names: Set<string>; formats: Set<FormatName> }>()
  for (const { name, format, ours } of planned) {
    for (const [n, file] of format.entries(ours) ?? []) {
      if (!unexpressible(n) && !unexpressible(file)) continue
      const b = bad.get(file) ?? { names: new Set(), formats: new Set() }
      b.names.add(n)
      b.formats.add(name)
      bad.set(file, b)
    }
  }
  if (!bad.size) return
  const errors = [...bad].map(([file, b]) => {
    const subject = [...b.names].filter((n) => n in manifest.assets).sort()[0] ?? file
    const c = unexpressible(subject) ?? unexpressible(file)!
    const formats = [...b.formats]
    return message(`"${subject}" cannot be named in ${formats.map((f) => FORMATS[f].file).join(', ')}: a "${c}" starts a URL's ${c === '#' ? 'fragment' : 'query'}, so no helper that reads ${formats.length === 1 ? 'it' : 'them'} can ask for it`, null,
      `rename ${subject === file ? 'what it is built from' : 'the file'}, or leave ${formats.map((f) => `"${f}"`).join(', ')} out of formats (--format)`)
  })
  throw new KilnError(errors.sort((a, b) => (a.text < b.text ? -1 : 1)))
}

/** Sprockets reads one manifest: another `.sprockets-manifest-*.json` beside Kiln's may be the one it picks. */
function otherSprocketsManifests(outDir: string, cwd: string): Message[] {
  const others = fs.readdirSync(outDir).filter((f) => SPROCKETS_MANIFEST_RE.test(f) && f !== sprockets.file).sort()
  return others.map((f) => message(`${path.relative(cwd, path.join(outDir, f)).split(path.sep).join('/')} is another Sprockets manifest: Sprockets reads only one of them`, null,
    `set config.assets.manifest to ${path.relative(cwd, path.join(outDir, sprockets.file)).split(path.sep).join('/')} (so assets:precompile merges into Kiln's), then remove ${f}`))
}

/** Every file a Kiln manifest in the directory lists (this build's, the live one, the history copies): entries pointing at these are Kiln's. */
export function kilnFiles(outDir: string, current?: Manifest): Set<string> {
  const own = new Set(Object.keys(current?.files ?? {}))
  const lists = [path.join(outDir, MANIFEST_NAME)]
  const history = path.join(outDir, HISTORY_DIR)
  if (fs.existsSync(history)) lists.push(...fs.readdirSync(history).filter((f) => f.endsWith('.json') && !isTempFile(f)).map((f) => path.join(history, f)))
  for (const file of lists) {
    try {
      const m = JSON.parse(fs.readFileSync(file, 'utf8')) as { files?: unknown }
      if (isObject(m.files)) for (const f of Object.keys(m.files)) own.add(f)
    } catch {
      // missing or unreadable: it lists nothing
    }
  }
  return own
}

export interface FormatProblem {
  file: string
  text: string
}

/**
 * `kiln verify`: each compatibility manifest that is configured or that names a file of
 * Kiln's must map every name Kiln's manifest gives exactly as Kiln would write it, and must
 * not name a file of an earlier build in place of the current one.
 */
export function checkFormats(outDir: string, manifest: Manifest, configured: readonly FormatName[]): FormatProblem[] {
  const problems: FormatProblem[] = []
  const own = kilnFiles(outDir, manifest)
  const current = new Set(Object.keys(manifest.files))
  const names = nameTable(manifest)
  for (const name of FORMAT_NAMES) {
    const format = FORMATS[name]
    const file = format.file
    const existing = readExisting(path.join(outDir, file))
    if (existing.state === 'none') {
      if (configured.includes(name)) problems.push({ file, text: `${file}: missing (formats lists "${name}"; run kiln build)` })
      continue
    }
    if (existing.state === 'broken') {
      problems.push({ file, text: `${file}: ${existing.reason}` })
      continue
    }
    const entries = format.entries(existing.data)
    if (!entries) {
      problems.push({ file, text: `${file}: is not ${format.title}` })
      continue
    }
    if (!configured.includes(name) && !entries.some(([, f]) => own.has(f))) continue // another tool's, not Kiln's
    const expected = format.create(names, manifest)
    for (const [segments, want] of leaves(expected, format.unchecked ?? [])) {
      const got = at(existing.data, segments)
      const label = labelOf(segments)
      if (got === undefined) problems.push({ file, text: `${file}: has no ${label}; Kiln's manifest gives ${JSON.stringify(want)}${format.rewrittenBy ? ` (${format.rewrittenBy} writes this file anew: run kiln build after it)` : ''}` })
      else if (JSON.stringify(got) !== JSON.stringify(want)) problems.push({ file, text: `${file}: ${label} is ${JSON.stringify(got)}; Kiln's manifest gives ${JSON.stringify(want)}` })
    }
    for (const [n, f] of entries) {
      if (own.has(f) && !current.has(f)) problems.push({ file, text: `${file}: "${n}" names ${f}, a file of an earlier build that the current manifest does not list` })
    }
  }
  return problems
}

/**
 * What `kiln clean` must keep: the compatibility manifests in the directory, and the build
 * each was written from (the history copies in `builds` that list every file of Kiln's it
 * names, with all their files: chunks, variants, maps), or at least the files it names.
 */
export function compatManifests(outDir: string, builds: readonly { file: string; files: readonly string[] }[], listed: ReadonlySet<string>): { manifests: Set<string>; builds: Set<string>; files: Set<string> } {
  const kept = { manifests: new Set<string>(), builds: new Set<string>(), files: new Set<string>() }
  const candidates: [string, Format][] = Object.values(FORMATS).map((f) => [f.file, f])
  if (fs.existsSync(outDir)) for (const f of fs.readdirSync(outDir)) if (SPROCKETS_MANIFEST_RE.test(f) && f !== sprockets.file) candidates.push([f, sprockets])
  const sets = builds.map((b) => ({ file: b.file, files: new Set(b.files) }))
  for (const [file, format] of candidates) {
    const existing = readExisting(path.join(outDir, file))
    if (existing.state === 'none') continue
    kept.manifests.add(file)
    if (existing.state !== 'json') continue
    const named = (format.entries(existing.data) ?? []).map(([, f]) => f).filter((f) => listed.has(f))
    for (const f of named) kept.files.add(f)
    if (!named.length) continue
    for (const b of sets) {
      if (!named.every((f) => b.files.has(f))) continue
      kept.builds.add(b.file)
      for (const f of b.files) kept.files.add(f)
    }
  }
  return kept
}

/** Every leaf of a created compatibility manifest (arrays count as one value), with its path. */
function leaves(v: JsonObject, unchecked: readonly string[]): [string[], Json][] {
  const out: [string[], Json][] = []
  const walk = (x: Json, segs: string[]) => {
    if (isObject(x)) for (const [k, y] of Object.entries(x)) walk(y as Json, [...segs, k])
    else out.push([segs, x])
  }
  for (const [k, x] of Object.entries(v)) if (!unchecked.includes(k)) walk(x, [k])
  return out
}

function at(data: unknown, segments: string[]): unknown {
  let x = data
  for (const s of segments) {
    if (!isObject(x) || !Object.prototype.hasOwnProperty.call(x, s)) return undefined
    x = x[s]
  }
  return x
}

/** `files["app-X.js"].integrity`, `paths["app.js"]`, `["app.ts"].css`. */
function labelOf(segments: string[]): string {
  return segments.map((s, i) => {
    if (i === 0) return ['assets', 'files', 'paths'].includes(s) ? s : `[${JSON.stringify(s)}]`
    return /^[A-Za-z_]\w*$/.test(s) && i === segments.length - 1 ? `.${s}` : `[${JSON.stringify(s)}]`
  }).join('')
}
