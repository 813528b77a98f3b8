// kiln verify: the manifest parses and follows the schema (the runtime's own validator,
// so what verify passes the runtime loads), and every file it lists is on disk with its
// recorded size and integrity, recomputed. Meant for CI and as a guard before a release.
import fs from 'node:fs'
import path from 'node:path'
import { resolveConfig, type BuildOptions } from './config.js'
import { displayPath } from './diagnostics.js'
import { hashStream } from './fingerprint.js'
import { MANIFEST_NAME, type Manifest } from './manifest.js'
import { checkFormats } from './formats/index.js'
import { ManifestError } from './runtime/errors.js'
import { validateManifest, type Dict, type FileRecord } from './runtime/validate.js'

export interface Problem {
  file: string | null
  text: string
}

export interface VerifyResult {
  ok: boolean
  manifest: string
  files: number
  bytes: number
  problems: Problem[]
}

export async function verify(options: BuildOptions = {}): Promise<VerifyResult> {
  const config = await resolveConfig(options)
  const manifestPath = path.join(config.outDir, MANIFEST_NAME)
  const shown = displayPath(manifestPath, config.cwd)
  const result: VerifyResult = { ok: false, manifest: shown, files: 0, bytes: 0, problems: [] }
  let files: Dict<FileRecord>
  let data: unknown
  try {
    data = JSON.parse(fs.readFileSync(manifestPath, 'utf8'))
    files = validateManifest(data, shown).files
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const text = e instanceof ManifestError ? e.message.replace(/ Run `kiln build`.*$/, '')
      : e.code === 'ENOENT' ? `${shown} does not exist` : e instanceof SyntaxError ? `${shown} is not valid JSON (${e.message})` : `${shown}: ${e.message}`
    result.problems.push({ file: MANIFEST_NAME, text })
    return result
  }
  const queue = Object.entries(files) as [string, FileRecord][]
  result.files = queue.length
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const [file, rec] = item
      const problem = await check(path.join(config.outDir, file), rec)
      if (problem) result.problems.push({ file, text: `${file}: ${problem}` })
      else result.bytes += rec.size
    }
  }))
  // The compatibility manifests (sprockets, propshaft, django, vite) must say what Kiln's says.
  result.problems.push(...checkFormats(config.outDir, data as Manifest, config.formats))
  result.problems.sort((a, b) => (a.text < b.text ? -1 : 1))
  result.ok = result.problems.length === 0
  return result
}

async function check(abs: string, rec: FileRecord): Promise<string | null> {
  const stat = await fs.promises.stat(abs).catch(() => null)
  if (!stat) return 'missing'
  if (!stat.isFile()) return 'is not a file'
  if (stat.size !== rec.size) return `is ${stat.size} bytes, the manifest says ${rec.size} (truncated or replaced)`
  const [algo] = rec.integrity.split('-') as [string]
  const { digest } = await hashStream(algo, fs.createReadStream(abs))
  return `${algo}-${digest.toString('base64')}` === rec.integrity ? null : 'does not match its integrity (its bytes changed)'
}
