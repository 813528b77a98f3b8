// The build, as one pipeline: discover → fingerprint statics (on the worker pool, while
// esbuild compiles) → compile → compress → write → manifest.
import path from 'node:path'
import { resolveConfig, type BuildOptions, type ResolvedConfig } from './config.js'
import { discover } from './discover.js'
import { KilnError, displayPath, type Message } from './diagnostics.js'
import { Statics } from './statics.js'
import { compile } from './compile.js'
import { compressOutputs, compressSettings } from './compress.js'
import { BuildCache, keyOf } from './cache.js'
import { Pool } from './pool.js'
import { fileError, repairMessage, repairsOf, Stage, stageOutputs, type Repair } from './output.js'
import { createManifest, MANIFEST_NAME, serializeManifest, writeManifest, type Manifest } from './manifest.js'
import { VERSION } from './version.js'
import { acquireLock } from './lock.js'

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
  /** Wall-clock milliseconds from the start of the build to the end of each step (steps overlap). */
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
  warnings: Message[]
  durationMs: number
  /** Peak resident memory of this process, in bytes. */
  maxRss: number
}

export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now()
  const timings: Record<string, number> = {}
  const mark = <T>(step: string, value: T): T => ((timings[step] = Math.round(performance.now() - started)), value)
  const config = mark('config', await resolveConfig(options))
  const warnings: Message[] = []
  const pool = new Pool()
  const stage = new Stage()
  let statics: Statics | undefined
  const lock = await acquireLock(config.outDir, config.cwd, [path.resolve(config.cwd, config.cacheDir)])
  try {
    const sources = mark('discover', await discover(config.rootDir, config.entries, excluded(config), config.cwd))
    warnings.push(...sources.warnings)
    const cache = openCache(config)
    const compress = compressSettings(config, cache.dir)
    statics = new Statics(config.rootDir, config.cwd, config.outDir, pool, stage, compress, cache, config.verify)
    const fingerprinting = statics.addAll(sources.statics).then((list) => mark('statics', list))
    // It runs while we compile; its failure is reported when awaited below, not as an unhandled rejection.
    fingerprinting.catch(() => {})
    // --verify checks the artifact directory; it changes nothing compiled, so it stays out of the compile cache's key.
    const compiled = mark('compile', await compile({ ...config, verify: false }, sources, statics, cache, warnings, options.session))
    failOnStrictWarnings(config, warnings)
    await fingerprinting
    // Before compressing: a wrong output found here gets its right bytes, which its variants are made from.
    await stageOutputs(config.outDir, compiled.outputs, stage, config.cwd, config.verify, (o) => cache.compiledBytes(o))
    const variants = mark('compress', await compressOutputs(compiled.outputs, compress, config, pool, stage, cache, statics.stats))
    const referenced = await statics.all()
    const written = mark('write', await stage.commit(config.cwd))
    const manifest = createManifest(config.publicPath, compiled.entries, compiled.outputs, referenced, variants)
    // After the strict check on purpose: a repair is Kiln doing its job, not a problem in the sources.
    const repaired = repairsOf(stage, config.outDir, path.join(config.outDir, MANIFEST_NAME), manifest.files, config.cwd)
    warnings.push(...repaired.map(repairMessage))
    const { path: manifestPath } = mark('manifest', await writeManifest(config.outDir, serializeManifest(manifest))
      .catch((err: NodeJS.ErrnoException) => Promise.reject(fileError(err, config.cwd))))
    mark('cache', cache.save())
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
        timings,
      },
      warnings,
      durationMs: Math.round(performance.now() - started),
      maxRss: process.resourceUsage().maxRSS * 1024,
    }
  } catch (err) {
    await statics?.settle()
    await stage.abort()
    if (err instanceof KilnError) throw new KilnError(err.errors, [...warnings, ...err.warnings], err.kind)
    throw err
  } finally {
    await pool.close()
    lock.release()
  }
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
