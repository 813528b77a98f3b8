// The build, as one pipeline: discover → fingerprint statics (on the worker pool, while
// esbuild compiles) → compile → compress → write → manifest.
import fs from 'node:fs'
import path from 'node:path'
import { checkLayout, resolveConfig, type BuildOptions, type ResolvedConfig } from './config.js'
import { discover, type Sources } from './discover.js'
import { KilnError, buildError, displayPath, type Message } from './diagnostics.js'
import { Statics } from './statics.js'
import { compile } from './compile.js'
import type { BuildContext } from './context.js'
import { compressOutputs, compressSettings } from './compress.js'
import { BuildCache, keyOf, type RemoteCacheStats } from './cache.js'
import { Pool, workersFor } from './pool.js'
import { fileError, repairMessage, repairsOf, Stage, stageOutputs, type Repair } from './output.js'
import { createManifest, MANIFEST_NAME, readLiveManifest, serializeManifest, writeManifest, type Manifest } from './manifest.js'
import { VERSION } from './version.js'
import { acquireLock } from './lock.js'
import { NO_PROGRESS, type Counts } from './progress.js'
import { checkSizes } from './report/size-step.js'
import type { BudgetResult } from './report/budgets.js'
import type { EntrySize } from './report/entry-sizes.js'
import { GzipSizes } from './report/gzip-sizes.js'

export interface BuildSteps {
  /** 'skipped' when every compile unit came from the cache; else the units compiled ('scripts', 'style:site.css'). */
  compile: 'skipped' | string[]
  /** How esbuild ran: not at all, a fresh build, or a rebuild of kiln watch's incremental context. */
  esbuild: 'none' | 'full' | 'incremental'
  statics: { total: number; hashed: number; cached: number; copied: number }
  compress: { compressed: number; reused: number }
  /** With --verify-cache: static files whose cached fingerprint was wrong. */
  cacheMismatches: string[]
  /** Files of the artifact directory that were missing or wrong and were written again (each also a warning). */
  repaired: Repair[]
  /** With a remote cache (cache.remote): units fetched, looked up in vain, stored, and entries rejected by a check. */
  remoteCache?: RemoteCacheStats
  /** Wall-clock milliseconds of each step on its own (statics run while compile does, so they overlap). */
  timings: Record<string, number>
}

export interface BuildResult {
  ok: true
  /** Path of manifest.json, relative to the working directory. */
  manifest: string
  manifestData: Manifest
  entries: number
  files: number
  bytes: number
  /** Files this build added to the artifact directory; the rest were already there. */
  written: number
  reused: number
  steps: BuildSteps
  /** Each size budget checked against each entry it names (report/budgets.ts); empty without budgets. */
  budgets: BudgetResult[]
  /** Each entry's initial load, raw and gzip, and the last build's (report/entry-sizes.ts). */
  sizes: EntrySize[]
  warnings: Message[]
  durationMs: number
  /** Peak resident memory of this process, in bytes. */
  maxRss: number
}

export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now()
  const timings: Record<string, number> = {}
  const progress = options.progress ?? NO_PROGRESS
  /** Runs one step, timing it on its own: statics and compile overlap, and each gets its own span. */
  const step = async <T>(name: string, work: () => Promise<T> | T, counts?: () => Counts): Promise<T> => {
    const t0 = performance.now()
    progress.begin(name, counts)
    try {
      return await work()
    } finally {
      timings[name] = Math.round(performance.now() - t0)
      progress.end(name)
    }
  }
  const config = await step('config', () => resolveConfig(options))
  checkLayout(config)
  const warnings: Message[] = []
  const pool = new Pool(workersFor(compressSettings(config, null) !== null))
  const stage = new Stage(config.outDir)
  let statics: Statics | undefined
  const madeOut = firstMissing(config.outDir)
  const lock = await acquireLock(config.outDir, config.cwd, [path.resolve(config.cwd, config.cacheDir)], undefined, (holder) => progress.waiting(holder))
  try {
    const sources = await step('discover', () => discover(config.rootDir, config.entries, excluded(config), config.cwd, path.resolve(config.cwd, config.cacheDir)))
    failWhenEmpty(config, sources)
    warnings.push(...sources.warnings)
    const cache = openCache(config)
    // The S3 client loads only when a remote cache is configured.
    if (config.cache.remote) cache.remote = (await import('./remote/remote-cache.js')).openRemoteCache(config, warnings, cache.knownInputs())
    const context = buildContext({ config, sources, session: options.session, cache, pool, stage, warnings, progress })
    // A const for the closures below; the outer `statics` is for settling it on failure.
    const staticFiles = (statics = context.statics)
    const fingerprinting = step('static files', () => staticFiles.addAll(sources.statics), () => ({ done: staticFiles.stats.hashed + staticFiles.stats.cached, total: sources.statics.length }))
    // It runs while we compile; its failure is reported when awaited below, not as an unhandled rejection.
    fingerprinting.catch(() => {})
    // --verify checks the artifact directory; it changes nothing compiled, so it stays out of the compile cache's key.
    const compiled = await step('compile', () => compile({ ...context, config: { ...config, verify: false } }))
    // compile starts them as soon as esbuild has the scripts; a build whose scripts were cached starts them here.
    staticFiles.start()
    failOnStrictWarnings(config, warnings)
    // The size step's gzip sizes of new scripts and stylesheets, computed on libuv's threads meanwhile.
    const gzip = GzipSizes.open(cache.dir)
    gzip.prefetch(compiled.outputs.flatMap((o) => (o.bytes && /\.(m?js|css)$/.test(o.file) ? [{ integrity: o.integrity, bytes: o.bytes }] : [])))
    await fingerprinting
    // Before compressing: a wrong output found here gets its right bytes, which its variants are made from.
    await stageOutputs(config.outDir, compiled.outputs, stage, config.cwd, config.verify, (o) => cache.compiledBytes(o))
    const variants = await step('compress', () => compressOutputs(context, compiled.outputs))
    const referenced = await statics.all()
    const written = await step('write', () => stage.commit(config.cwd))
    const manifest = createManifest(config.publicPath, compiled.entries, compiled.outputs, referenced, variants)
    const text = serializeManifest(manifest)
    // Read once, for the size step's base and to leave a manifest that is already right as it is.
    const lastText = readLiveManifest(config.outDir)
    const last = lastText === text ? manifest : undefined
    const { budgets, sizes } = await step('sizes', () => checkSizes(context, { manifest, entries: compiled.entries, gzip, last }))
    // After the strict check on purpose: a repair is Kiln doing its job, not a problem in the sources.
    const repaired = repairsOf(stage, config.outDir, path.join(config.outDir, MANIFEST_NAME), manifest.files, config.cwd)
    warnings.push(...repaired.map(repairMessage))
    // Loaded only when formats are asked for: six modules a build without them never needs.
    warnings.push(...(await step('formats', async () => (config.formats.length ? (await import('./formats/index.js')).writeFormats(config, manifest) : []))))
    const { path: manifestPath } = await step('manifest', () => writeManifest(config.outDir, text, lastText)
      .catch((err: NodeJS.ErrnoException) => Promise.reject(fileError(err, config.cwd))))
    await step('cache', () => cache.save())
    const files = Object.keys(manifest.files).length
    return {
      ok: true,
      manifest: displayPath(manifestPath, config.cwd),
      manifestData: manifest,
      entries: compiled.entries.length,
      files,
      bytes: Object.values(manifest.files).reduce((n, f) => n + f.size, 0),
      written,
      reused: files - written,
      steps: {
        compile: compiled.ran.length ? compiled.ran : 'skipped',
        esbuild: compiled.esbuild,
        statics: { total: referenced.length, hashed: statics.stats.hashed, cached: statics.stats.cached, copied: statics.stats.copied },
        compress: { compressed: statics.stats.compressed, reused: statics.stats.reusedVariants },
        cacheMismatches: cache.mismatches.map((p) => displayPath(p, config.cwd)),
        repaired,
        ...(cache.remote ? { remoteCache: cache.remote.stats } : {}),
        timings,
      },
      budgets,
      sizes,
      warnings,
      durationMs: Math.round(performance.now() - started),
      maxRss: process.resourceUsage().maxRSS * 1024,
    }
  } catch (err) {
    await statics?.settle()
    await stage.abort()
    lock.release()
    if (madeOut) removeEmptyDirs(config.outDir, madeOut)
    if (err instanceof KilnError) throw Object.assign(new KilnError(err.errors, [...warnings, ...err.warnings], err.kind), { json: err.json })
    throw err
  } finally {
    await pool.close()
    lock.release()
  }
}

/** The build context (context.ts): made once here, then handed to every step. */
function buildContext(made: Omit<BuildContext, 'statics' | 'compress'>): BuildContext & { statics: Statics } {
  const compress = compressSettings(made.config, made.cache.dir)
  return { ...made, compress, statics: new Statics({ ...made, compress }) }
}

function openCache(config: ResolvedConfig): BuildCache {
  const dir = path.resolve(config.cwd, config.cacheDir)
  return BuildCache.open(dir, keyOf({ kiln: VERSION, node: process.versions.node.split('.')[0] }), config.verifyCache, config.verify)
}

function failOnStrictWarnings(config: ResolvedConfig, warnings: Message[]) {
  if (config.strict && warnings.length) throw new KilnError(warnings.splice(0))
}

/** The artifact directory and the cache may sit inside the root; never read them back as sources. */
function excluded(config: ResolvedConfig): string[] {
  return [config.outDir, path.resolve(config.cwd, config.cacheDir)].flatMap((dir) => {
    const rel = path.relative(config.rootDir, dir)
    return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? [] : [`${rel.split(path.sep).join('/')}/**`]
  })
}

/** Nothing to build is a mistake (a wrong --root, entries that match nothing), never an empty success. */
function failWhenEmpty(config: ResolvedConfig, sources: Sources) {
  if (sources.entries.length || sources.statics.length) return
  const root = displayPath(config.rootDir, config.cwd) || '.'
  const hint = config.entries ? `no file under ${root} matches entries ${JSON.stringify(config.entries)}; check the globs (relative to the root)` : `put .js/.ts/.css entries directly in ${root}, or point --root (KILN_ROOT, "root" in the config) at your sources, or list "entries"`
  throw buildError(`No entries under ${root}: nothing to build`, null, hint)
}

/** The outermost directory of `dir` that does not exist yet (the one a recursive mkdir will create), or null. */
function firstMissing(dir: string): string | null {
  let missing: string | null = null
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) {
    missing = d
    if (d === path.dirname(d)) break
  }
  return missing
}

/** After a failed build that created the artifact directory: remove what is left of it if it is empty. */
function removeEmptyDirs(dir: string, top: string) {
  try {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeEmptyDirs(path.join(dir, e.name), path.join(dir, e.name))
    for (let d = dir; ; d = path.dirname(d)) {
      fs.rmdirSync(d) // fails (and stops) on a directory that is not empty
      if (d === top) break
    }
  } catch {
    // Not empty (another build wrote into it meanwhile) or already gone: leave it.
  }
}
