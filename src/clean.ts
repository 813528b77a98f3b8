// kiln clean: keep exactly what is still needed during a rolling deploy. A file stays when
// the current manifest lists it, or one of the `keep` most recent earlier manifests (the
// manifests/ history, newest by when each was last current) lists it, or it is younger than
// `age` seconds.
//
// It deletes only what is provably Kiln's: files some Kiln manifest of this output once
// named, older history manifests (a history copy is genuine only if its name is the hash of
// its bytes and it is a valid manifest that no manifest lists as a file: a static source
// under manifests/ is an artifact, not history), temp files of dead builds (temp.ts), and directories
// that its own removals left empty. A file no manifest ever named is not Kiln's to judge: it
// stays and is reported. It refuses, deleting nothing, when the live manifest is not a valid
// manifest, or --out is the project or source root, a directory above either, or holds .git.
import fs from 'node:fs'
import path from 'node:path'
import { realPath, resolveConfig, type BuildOptions, type ResolvedConfig } from './config.js'
import { buildError, displayPath } from './diagnostics.js'
import { acquireLock, isLockFile } from './lock.js'
import { HISTORY_DIR, MANIFEST_NAME } from './manifest.js'
import { isStaleTemp, isTempFile } from './temp.js'
import { contentHash } from './fingerprint.js'
import { ManifestError } from './runtime/errors.js'
import { validateManifest } from './runtime/validate.js'
import { filesUnder } from './walk.js'
import { compatManifests } from './formats/index.js'

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
  refuseUnsafeOut(config)
  const live = path.join(out, MANIFEST_NAME)
  if (!fs.existsSync(live)) throw buildError(`No manifest at ${displayPath(live, config.cwd)}: nothing to clean against`, null, 'run kiln build first, or point --out at the artifact directory')
  const lock = await acquireLock(out, config.cwd)
  try {
    const current = readLive(live, config.cwd)
    const currentFiles = new Set(current.files)
    const history = readHistory(out, config.cwd)
    // A manifests/*.json some manifest lists is an artifact (a static source under manifests/).
    const artifacts = new Set(currentFiles)
    for (const h of history) for (const f of h.files) artifacts.add(f)
    const genuine = history.filter((h) => !artifacts.has(h.file))
    const currentCopy = `${HISTORY_DIR}/${contentHash(current.text)}.json`
    const earlier = genuine.filter((h) => h.file !== currentCopy)
    const keptManifests = new Set([currentCopy, ...earlier.slice(0, keep).map((h) => h.file)])
    const keptFiles = new Set(currentFiles)
    for (const h of earlier.slice(0, keep)) for (const f of h.files) keptFiles.add(f)
    const everListed = new Set(keptFiles)
    for (const h of genuine) for (const f of h.files) everListed.add(f)
    // A compatibility manifest (staticfiles.json, .sprockets-manifest-*.json, …) is as live as manifest.json: keep the build it names.
    const compat = compatManifests(out, genuine, everListed)
    for (const m of compat.builds) keptManifests.add(m)
    for (const f of compat.files) keptFiles.add(f)
    const historyFiles = new Set(genuine.map((h) => h.file))
    const cutoff = Date.now() - age * 1000
    const result: CleanResult = { dryRun, removed: [], freed: 0, kept: 0, unknown: [] }
    const guard = liveGuard(live)
    const emptied = new Set<string>()
    for (const abs of filesUnder(out)) {
      const rel = path.relative(out, abs).split(path.sep).join('/')
      if (rel === MANIFEST_NAME || isLockFile(rel) || compat.manifests.has(rel)) continue
      const stat = fs.statSync(abs)
      const young = stat.mtimeMs > cutoff
      let remove: boolean
      if (isTempFile(rel)) {
        // Its writer is gone (a killed build): remove. A live writer's is not ours to touch.
        if (!isStaleTemp(rel)) continue
        remove = true
      } else if (historyFiles.has(rel)) remove = !keptManifests.has(rel) && !young
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
      if (!dryRun) {
        fs.rmSync(abs, { force: true })
        emptied.add(path.dirname(abs))
      }
    }
    removeEmptiedDirs(emptied, out)
    return result
  } finally {
    lock.release()
  }
}

/** Directories clean must never work in: it would judge files that are not an artifact directory's. */
function refuseUnsafeOut(config: ResolvedConfig): void {
  const out = realPath(config.outDir)
  const shown = displayPath(config.outDir, config.cwd) || '.'
  const within = (a: string, b: string) => a === b || a.startsWith(b.endsWith(path.sep) ? b : b + path.sep)
  const hint = 'point --out (KILN_OUT, "out" in the config) at the artifact directory kiln build writes, e.g. public/assets'
  for (const [dir, what] of [[config.projectRoot, 'project root'], [config.rootDir, 'source root']] as const) {
    const real = realPath(dir)
    if (within(real, out)) {
      const where = real === out ? `is the ${what}` : `contains the ${what} ${displayPath(dir, config.cwd) || '.'}`
      throw buildError(`Refusing to clean ${shown}: it ${where}`, null, hint)
    }
  }
  if (fs.existsSync(path.join(out, '.git')) || out.split(path.sep).includes('.git')) {
    throw buildError(`Refusing to clean ${shown}: it ${out.split(path.sep).includes('.git') ? 'is inside' : 'contains'} .git`, null, hint)
  }
}

/** The live manifest, validated: clean judges nothing against a manifest it cannot trust. */
function readLive(live: string, cwd: string): { text: string; files: string[] } {
  const shown = displayPath(live, cwd)
  let text: string
  try {
    text = fs.readFileSync(live, 'utf8')
    return { text, files: Object.keys(validateManifest(JSON.parse(text), shown).files) }
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    const why = e instanceof ManifestError ? e.message.replace(/^Kiln manifest .*?: /, '').replace(/\. Run `kiln build`.*$/, '')
      : e instanceof SyntaxError ? `is not valid JSON (${e.message})` : `cannot be read (${e.code ?? e.message})`
    throw buildError(`Refusing to clean: ${shown} ${why}; nothing was removed`, null, 'run kiln build to write a valid manifest (kiln verify lists what is wrong), then clean')
  }
}

interface HistoryManifest {
  file: string
  mtimeMs: number
  files: string[]
}

const HISTORY_NAME = /^[A-Z2-7]{8}\.json$/

/**
 * The history copies, newest first (by when each build was last current): files in
 * manifests/ named by the hash of their bytes that are valid manifests. Anything else there
 * is not history (a corrupt copy, a file someone put there) and is left to the general rule.
 */
function readHistory(out: string, cwd: string): HistoryManifest[] {
  const dir = path.join(out, HISTORY_DIR)
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return []
  const found: HistoryManifest[] = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!e.isFile() || !HISTORY_NAME.test(e.name)) continue
    const abs = path.join(dir, e.name)
    try {
      const text = fs.readFileSync(abs, 'utf8')
      if (`${contentHash(text)}.json` !== e.name) continue
      const files = historyFiles(JSON.parse(text), displayPath(abs, cwd))
      found.push({ file: `${HISTORY_DIR}/${e.name}`, mtimeMs: fs.statSync(abs).mtimeMs, files })
    } catch {
      // not a history copy
    }
  }
  return found.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.file < b.file ? -1 : 1))
}

/**
 * The files a history copy lists. A copy written by kiln-assets < 0.2.0 (version 1) lists them
 * under the same `files` keys, with records a version 2 record extends: read through the same
 * checks, so clean never removes a file that a kept old build names.
 */
function historyFiles(data: unknown, shown: string): string[] {
  const v1 = data && typeof data === 'object' && (data as { version?: unknown }).version === 1
  const m = v1 ? { ...(data as object), version: 2, assets: {} } : data
  return Object.keys(validateManifest(m, shown).files)
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
        seen = ''
        return true
      }
    }
    return files.has(rel)
  }
}

/** Removes the directories clean's own removals emptied, and their parents it so emptied, up to (never) `top`. */
function removeEmptiedDirs(dirs: Set<string>, top: string): void {
  for (let dir of [...dirs].sort((a, b) => b.length - a.length)) {
    while (dir !== top && dir.startsWith(top + path.sep)) {
      try {
        fs.rmdirSync(dir)
      } catch {
        break // not empty (or already gone): it held something clean did not remove
      }
      dir = path.dirname(dir)
    }
  }
}
