// `kiln report [manifest]`: report.html for an existing build, next to its manifest, compared
// with the newest other manifest of its history (manifests/). Without esbuild's metafile the
// treemap shows outputs only.
import fs from 'node:fs'
import path from 'node:path'
import { resolveConfig, type BuildOptions } from '../config.js'
import { displayPath, usageError } from '../diagnostics.js'
import { HISTORY_DIR, MANIFEST_NAME } from '../manifest.js'
import { readManifest } from './entry-sizes.js'
import { writeReport } from './html.js'

export async function reportCommand(args: string[], o: BuildOptions): Promise<{ ok: boolean; json: unknown; text: string }> {
  if (args.length > 1) throw usageError(`kiln report takes at most one manifest, got ${args.length}`, 'kiln report public/assets/manifest.json')
  const file = args[0] ? path.resolve(args[0]) : path.join((await resolveConfig(o)).outDir, MANIFEST_NAME)
  const manifest = readManifest(file)
  const cwd = process.cwd()
  if (!manifest && versionOf(file) === 1) throw usageError(`${displayPath(file, cwd)} is a version 1 manifest (written by kiln-assets < 0.2.0)`, 'rebuild it with kiln-assets ≥ 0.2.0: kiln build')
  if (!manifest) throw usageError(`${displayPath(file, cwd)} is not a Kiln manifest (missing or unreadable)`, 'run kiln build first, or name the manifest: kiln report public/assets/manifest.json')
  const dir = path.dirname(file)
  const written = await writeReport(manifest, dir, null, previousOf(dir, fs.readFileSync(file, 'utf8')))
  const report = displayPath(written, cwd)
  return { ok: true, json: { ok: true, report }, text: `Wrote ${report}` }
}

function versionOf(file: string): unknown {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown })?.version
  } catch {
    return undefined
  }
}

/** The newest manifest of the history that is not this one (one of an older version compares as none). */
function previousOf(dir: string, current: string) {
  const history = path.join(dir, HISTORY_DIR)
  let files: { file: string; mtime: number }[] = []
  try {
    files = fs.readdirSync(history).filter((f) => f.endsWith('.json')).map((f) => ({ file: path.join(history, f), mtime: fs.statSync(path.join(history, f)).mtimeMs }))
  } catch {
    return null
  }
  for (const { file } of files.sort((a, b) => b.mtime - a.mtime)) {
    if (fs.readFileSync(file, 'utf8') !== current) return readManifest(file)
  }
  return null
}
