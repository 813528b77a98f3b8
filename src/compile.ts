// The compile step: esbuild for scripts and postcss for stylesheets, concurrently — or,
// when the build cache holds a result for the same options and every input it read is
// unchanged on disk, that result, with neither compiler started.
import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { KilnError, type Message } from './diagnostics.js'
import type { CompiledEntry, CompileResult } from './compilers/types.js'
import { keyOf, type BuildCache, type CompiledFile } from './cache.js'
import type { ResolvedConfig } from './config.js'
import type { Sources } from './discover.js'
import type { Statics } from './statics.js'
import { resolveTargets, targetInputs, toolVersions } from './targets.js'
import { VERSION } from './version.js'

/** A compiled file: bytes when this build has them (compiled now, or missing from the artifact directory). */
export interface Output extends CompiledFile {
  bytes?: Buffer
}

export interface Compiled {
  entries: CompiledEntry[]
  outputs: Output[]
  ran: boolean
}

export async function compile(config: ResolvedConfig, sources: Sources, statics: Statics, cache: BuildCache, warnings: Message[]): Promise<Compiled> {
  const key = compileKey(config, sources)
  const reused = cache.compile(key, config.outDir)
  if (reused) {
    cache.rememberCompile(reused, new Map())
    const outputs = reused.files.map((f) => ({ ...f, bytes: inPlace(config.outDir, f) ? undefined : cache.compiledBytes(f) ?? undefined }))
    if (outputs.every((o) => o.bytes || inPlace(config.outDir, o))) {
      warnings.push(...reused.warnings)
      return { entries: reused.entries, outputs, ran: false }
    }
  }
  const before = warnings.length
  const result = await run(config, sources, statics, warnings)
  const outputs = result.files.map((f) => ({ file: f.file, bytes: f.bytes, size: f.bytes.length, integrity: sri(f.bytes) }))
  const inputs = new Set([...result.inputs, ...statics.referenced, ...projectFiles(config)])
  cache.rememberCompile({
    key,
    inputs: [...inputs].sort().flatMap((p) => {
      const s = fs.statSync(p, { throwIfNoEntry: false })
      return s ? [[p, s.size, s.mtimeMs, s.ino] as [string, number, number, number]] : []
    }),
    entries: result.entries,
    files: outputs.map(({ file, size, integrity }) => ({ file, size, integrity })),
    warnings: warnings.slice(before),
  }, new Map(result.files.map((f) => [f.file, f.bytes])))
  return { entries: result.entries, outputs, ran: true }
}

async function run(config: ResolvedConfig, sources: Sources, statics: Statics, warnings: Message[]): Promise<CompileResult> {
  // The compilers and their dependencies load only when something is compiled.
  const [targets, { compileScripts }, { compileStylesheet }] = await Promise.all([
    resolveTargets(config.cwd), import('./compilers/javascript.js'), import('./compilers/stylesheet.js'),
  ])
  const common = { cwd: config.cwd, root: config.rootDir, outDir: config.outDir, publicPath: config.publicPath, minify: config.minify, sourcemap: config.sourcemap, targets, statics }
  const scripts = sources.entries.filter((e) => e.kind === 'script')
  const styles = sources.entries.filter((e) => e.kind === 'style')
  const settled = await Promise.allSettled([
    compileScripts(scripts, common, warnings),
    ...styles.map((s) => compileStylesheet(s, { ...common, strict: config.strict, inlineLimit: config.inlineLimit }, warnings, new Set())),
  ])
  const errors = settled.flatMap((s) => (s.status === 'rejected' ? errorsOf(s.reason) : []))
  if (errors.length) throw new KilnError(errors)
  const results = settled.map((s) => (s as PromiseFulfilledResult<CompileResult>).value)
  return { entries: results.flatMap((r) => r.entries), files: results.flatMap((r) => r.files), inputs: results.flatMap((r) => r.inputs) }
}

function errorsOf(reason: unknown): Message[] {
  if (reason instanceof KilnError) return reason.errors
  throw reason
}

/**
 * What a compile result depends on besides the files it read: Kiln's and its compilers'
 * versions, every option that changes output, the browserslist configuration, and the
 * list of source names (a new file can change how an import resolves).
 */
function compileKey(config: ResolvedConfig, sources: Sources): string {
  const { cacheDir: _c, verifyCache: _v, configFile: _f, ...options } = config
  const names = [...sources.entries, ...sources.modules, ...sources.statics].map((f) => f.logical).sort()
  return keyOf({ kiln: VERSION, tools: toolVersions(), options, browserslist: targetInputs(config.cwd, process.env), names })
}

/** Files that change how sources compile without being sources: package.json, tsconfig.json. */
function projectFiles(config: ResolvedConfig): string[] {
  const dirs = new Set([config.cwd, config.rootDir])
  return [...dirs].flatMap((d) => ['package.json', 'tsconfig.json', 'jsconfig.json'].map((f) => path.join(d, f)))
}

function inPlace(outDir: string, f: CompiledFile): boolean {
  return fs.statSync(path.join(outDir, f.file), { throwIfNoEntry: false })?.size === f.size
}

function sri(bytes: Buffer): string {
  return `sha384-${crypto.createHash('sha384').update(bytes).digest('base64')}`
}
