// The build, as one pipeline: discover → fingerprint statics → compile → write → manifest.
import path from 'node:path'
import { resolveConfig, type BuildOptions, type ResolvedConfig } from './config.js'
import { discover, type SourceFile } from './discover.js'
import { KilnError, displayPath, type Message } from './diagnostics.js'
import { resolveTargets, type Targets } from './targets.js'
import { Statics } from './statics.js'
import { compileScripts } from './compilers/javascript.js'
import { compileStylesheet } from './compilers/stylesheet.js'
import type { CompileResult } from './compilers/types.js'
import { writeOutputs, type OutputFile } from './output.js'
import { createManifest, serializeManifest, writeManifest, type Manifest } from './manifest.js'

export interface BuildResult {
  ok: true
  /** Path of manifest.json, relative to the working directory. */
  manifest: string
  manifestData: Manifest
  entries: number
  files: number
  bytes: number
  written: number
  reused: number
  warnings: Message[]
  durationMs: number
}

export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const started = performance.now()
  const config = await resolveConfig(options)
  const warnings: Message[] = []
  try {
    const targets = resolveTargets(config.cwd)
    const sources = await discover(config.rootDir, config.entries, excluded(config), config.cwd)
    warnings.push(...sources.warnings)
    const statics = new Statics(config.rootDir, config.cwd)
    await statics.addAll(sources.statics)
    const compiled = await compile(config, sources.entries, targets, statics, warnings)
    failOnStrictWarnings(config, warnings)
    const referenced = await statics.all()
    const outputs: OutputFile[] = [...compiled.files, ...referenced.map((s) => ({ file: s.file, bytes: s.bytes }))]
    const written = await writeOutputs(config.outDir, outputs, config.cwd)
    const manifest = createManifest(config.publicPath, compiled.entries, compiled.files, referenced)
    const { path: manifestPath } = await writeManifest(config.outDir, serializeManifest(manifest))
    return {
      ok: true,
      manifest: displayPath(manifestPath, config.cwd),
      manifestData: manifest,
      entries: compiled.entries.length,
      files: outputs.length,
      bytes: outputs.reduce((n, f) => n + f.bytes.length, 0),
      ...written,
      warnings,
      durationMs: Math.round(performance.now() - started),
    }
  } catch (err) {
    if (err instanceof KilnError) throw new KilnError(err.errors, [...warnings, ...err.warnings], err.kind)
    throw err
  }
}

async function compile(config: ResolvedConfig, entries: SourceFile[], targets: Targets, statics: Statics, warnings: Message[]): Promise<CompileResult> {
  const common = { cwd: config.cwd, root: config.rootDir, outDir: config.outDir, publicPath: config.publicPath, minify: config.minify, sourcemap: config.sourcemap, targets, statics }
  const inputs = new Set<string>()
  const scripts = entries.filter((e) => e.kind === 'script')
  const styles = entries.filter((e) => e.kind === 'style')
  const settled = await Promise.allSettled([
    compileScripts(scripts, common, warnings),
    ...styles.map((s) => compileStylesheet(s, { ...common, strict: config.strict, inlineLimit: config.inlineLimit }, warnings, inputs)),
  ])
  const errors = settled.flatMap((s) => (s.status === 'rejected' ? errorsOf(s.reason) : []))
  if (errors.length) throw new KilnError(errors)
  const results = settled.map((s) => (s as PromiseFulfilledResult<CompileResult>).value)
  return { entries: results.flatMap((r) => r.entries), files: results.flatMap((r) => r.files) }
}

function errorsOf(reason: unknown): Message[] {
  if (reason instanceof KilnError) return reason.errors
  throw reason
}

function failOnStrictWarnings(config: ResolvedConfig, warnings: Message[]) {
  if (config.strict && warnings.length) throw new KilnError(warnings.splice(0))
}

/** The artifact directory may sit inside the root; never read it back as sources. */
function excluded(config: ResolvedConfig): string[] {
  const rel = path.relative(config.rootDir, config.outDir)
  if (rel === '') return []
  return rel.startsWith('..') || path.isAbsolute(rel) ? [] : [`${rel.split(path.sep).join('/')}/**`]
}
