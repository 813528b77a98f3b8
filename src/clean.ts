// kiln clean: keep exactly what is still needed during a rolling deploy. A file stays when
// the current manifest lists it, or one of the `keep` most recent earlier manifests (the
// manifests/ history, newest by when each was last current) lists it, or it is younger than
// `age` seconds. Everything else that Kiln wrote goes, with empty directories; a file no
// manifest on disk ever listed is not Kiln's to judge: it stays and is reported.
import fs from 'node:fs'
import path from 'node:path'
import { resolveConfig, type BuildOptions } from './config.js'
import { buildError, displayPath } from './diagnostics.js'
import { acquireLock, LOCK_NAME } from './lock.js'
import { HISTORY_DIR, MANIFEST_NAME } from './manifest.js'
import { isTempFile } from './temp.js'
import { contentHash } from './fingerprint.js'
import { filesUnder } from './walk.js'

export interface CleanOptions extends BuildOptions {
  /** Earlier builds to keep besides the current one. Default 2. */
  keep?: number
  /** Keep anything younger than this many seconds. Default 3600. */
  age?: number
  dryRun?: boolean
}

export interface CleanResult {
  dryRun: boolean
  removed: { file: string; size: number }[]
  freed: number
  kept: number
  /** Files no manifest ever listed: left alone. */
  unknown: string[]
}

export async function clean(options: CleanOptions = {}): Promise<CleanResult> {
  const { keep = 2, age = 3600, dryRun = false, ...buildOptions } = options
  if (!Number.isInteger(keep) || keep < 0) throw buildError(`keep must be a whole number, got ${keep}`)
  if (!(age >= 0)) throw buildError(`age must be a number of seconds, got ${age}`)
  const config = await resolveConfig(buildOptions)
  const out = config.outDir
  const live = path.join(out, MANIFEST_NAME)
  if (!fs.existsSync(live)) throw buildError(`No manifest at ${displayPath(live, config.cwd)}: nothing to clean against`, null, 'run kiln build first, or point --out at the artifact directory')
  const lock = await acquireLock(out, config.cwd)
  try {
    const current = fs.readFileSync(live, 'utf8')
    const history = readHistory(out)
    const currentCopy = `${HISTORY_DIR}/${contentHash(current)}.json`
    const earlier = history.filter((h) => h.file !== currentCopy)
    const keptManifests = new Set([currentCopy, ...earlier.slice(0, keep).map((h) => h.file)])
    const keptFiles = new Set(filesOf(current))
    for (const h of earlier.slice(0, keep)) for (const f of h.files) keptFiles.add(f)
    const everListed = new Set(keptFiles)
    for (const h of history) for (const f of h.files) everListed.add(f)
    const cutoff = Date.now() - age * 1000
    const result: CleanResult = { dryRun, removed: [], freed: 0, kept: 0, unknown: [] }
    const guard = liveGuard(live)
    for (const abs of filesUnder(out)) {
      const rel = path.relative(out, abs).split(path.sep).join('/')
      if (rel === MANIFEST_NAME || rel === LOCK_NAME) continue
      const stat = fs.statSync(abs)
      const young = stat.mtimeMs > cutoff
      let remove: boolean
      if (isTempFile(path.basename(abs))) remove = true // we hold the lock: no build is writing it
      else if (rel.startsWith(`${HISTORY_DIR}/`)) remove = !keptManifests.has(rel) && !young && history.some((h) => h.file === rel)
      else if (!everListed.has(rel)) {
        result.unknown.push(rel)
        continue
      } else remove = !keptFiles.has(rel) && !young
      // Never remove what the manifest on disk lists at this moment, whoever wrote it.
      if (remove && guard(rel)) remove = false
      if (!remove) {
        result.kept++
        continue
      }
      result.removed.push({ file: rel, size: stat.size })
      result.freed += stat.size
      if (!dryRun) fs.rmSync(abs, { force: true })
    }
    if (!dryRun) removeEmptyDirs(out, out)
    return result
  } finally {
    lock.release()
  }
}

interface HistoryManifest {
  file: string
  mtimeMs: number
  files: string[]
}

/** The history copies, newest first (by when each build was last current). Unreadable ones list nothing. */
function readHistory(out: string): HistoryManifest[] {
  const dir = path.join(out, HISTORY_DIR)
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !isTempFile(f)).map((f) => {
    const abs = path.join(dir, f)
    let files: string[] = []
    try {
      files = filesOf(fs.readFileSync(abs, 'utf8'))
    } catch {
      // a broken history copy keeps nothing alive, and is itself removed by age
    }
    return { file: `${HISTORY_DIR}/${f}`, mtimeMs: fs.statSync(abs).mtimeMs, files }
  }).sort((a, b) => b.mtimeMs - a.mtimeMs || (a.file < b.file ? -1 : 1))
}

function filesOf(text: string): string[] {
  const m = JSON.parse(text) as { files?: Record<string, unknown> }
  return m && typeof m.files === 'object' && m.files ? Object.keys(m.files) : []
}

/** Checks a path against the live manifest, re-read whenever it changes on disk. */
function liveGuard(live: string): (rel: string) => boolean {
  let seen = ''
  let files = new Set<string>()
  return (rel) => {
    const s = fs.statSync(live, { throwIfNoEntry: false })
    const id = s ? `${s.ino}:${s.mtimeMs}:${s.size}` : ''
    if (id !== seen) {
      seen = id
      try {
        files = new Set(filesOf(fs.readFileSync(live, 'utf8')))
      } catch {
        // unreadable right now: protect everything rather than guess
        return true
      }
    }
    return files.has(rel)
  }
}

function removeEmptyDirs(dir: string, top: string): boolean {
  let empty = true
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory() && removeEmptyDirs(path.join(dir, e.name), top)) continue
    empty = false
  }
  if (empty && dir !== top) fs.rmdirSync(dir)
  return empty
}
