// The compile step, in units: one esbuild build for all scripts (they share chunks) and
// one postcss run per stylesheet entry, concurrently. A unit whose options, browserslist,
// tool versions and source listing are unchanged, and whose every input file is unchanged
// on disk, is taken from the build cache without starting its compiler; editing a script
// recompiles the scripts only, editing a partial only the stylesheets that import it.
import fs from 'node:fs'
import path from 'node:path'
import { KilnError, buildError, type Message } from './diagnostics.js'
import type { CompiledEntry, CompileResult } from './compilers/types.js'
import { keyOf, type BuildCache, type CompiledFile, type CompileRecord } from './cache.js'
import type { ResolvedConfig } from './config.js'
import { kindOf, type SourceFile, type Sources } from './discover.js'
import type { BuildContext, BuildSession, Output, StaticLookup } from './context.js'
import { prefixerFor, resolveTargets, targetInputs, toolVersions, type Targets } from './targets.js'
import { findPostcssConfig, loadPostcssConfig } from './compilers/postcss-config.js'
import type { StyleTools } from './compilers/style-pipeline.js'
import { VERSION } from './version.js'
import { resolutionInputs } from './resolution-inputs.js'
import { ABSENT, absoluteInput, InputStats, recordInput, relativeInput, type InputRecord } from './content-inputs.js'
import { integrity } from './fingerprint.js'
import { checkDefine, scriptSettings, type ScriptSettings } from './transforms/scripts.js'
import { nodeEnvOf } from './transforms/env.js'

export interface Compiled {
  entries: CompiledEntry[]
  outputs: Output[]
  /** Units compiled this time, e.g. ['scripts', 'style:site.css']; the rest came from the cache. */
  ran: string[]
  /** How esbuild ran: not at all, a fresh build, or a rebuild of a kept context (kiln watch). */
  esbuild: 'none' | 'full' | 'incremental'
}

/**
 * Loaded once per build, and only when something is compiled: the targets for every unit;
 * postcss, autoprefixer and the project's PostCSS config only when a stylesheet is compiled
 * (an entry, or CSS a script imports), and after esbuild has the scripts: esbuild needs
 * nothing but the targets, and loading the CSS tools first kept it waiting (issue 15).
 */
interface Tools {
  targets: Targets
  /** The project's PostCSS config file, found with stats only (its plugins run in every stylesheet). */
  postcssConfig: string | null
  /** autoprefixer and the loaded PostCSS config: loaded by the first caller, shared by the rest. */
  styles: () => Promise<StyleTools>
  /** Stylesheet units wait for this: resolved once the scripts unit has handed its build to esbuild (at once without one). */
  scriptsStarted: Promise<void>
  startedScripts: () => void
}

interface Unit {
  id: string
  entries: SourceFile[]
  /** What the unit's cache key holds besides the base key (scripts: define, JSX, plugins). */
  key?: string
  /** Files that change the unit's output besides those its compiler reports (.env files, tsconfig). */
  inputs?: string[]
  /** `hashes`: where the compiler records the sha256 of files it reads (by path), for the unit's input records. */
  compile: (tools: Tools, statics: StaticLookup, warnings: Message[], hashes: Map<string, string>) => Promise<CompileResult & { incremental?: boolean }>
}

export async function compile(context: BuildContext): Promise<Compiled> {
  const { config, sources, cache, warnings, session } = context
  // The env a PostCSS config's function sees follows the build mode (production unless --mode says otherwise, kiln watch too).
  const mode = nodeEnvOf(config.mode)
  const postcssConfig = findPostcssConfig(config.cwd)
  const base = baseKey(config, sources, postcssConfig, mode)
  const units = unitsOf(context)
  let esbuildRun: Compiled['esbuild'] = 'none'
  const entries: CompiledEntry[] = []
  const outputs: Output[] = []
  let pending: Unit[] = []
  const read: string[] = []
  const take = (unit: Unit, reused: { record: CompileRecord; outputs: Output[] }, bytes = new Map<string, Buffer>()) => {
    // What the outputs name outside the discovered statics is fingerprinted and written again, as when they were compiled.
    for (const rel of reused.record.statics ?? []) void context.statics.lookup(absoluteInput(rel, config.cwd))
    cache.rememberCompile(unit.id, reused.record, bytes)
    read.push(...filesRead(reused.record, config.cwd))
    warnings.push(...reused.record.warnings)
    entries.push(...reused.record.entries)
    outputs.push(...reused.outputs)
  }
  // The walk's stats of every listed file: a unit's inputs are checked without stat'ing them again.
  const listedFiles = new Map([...sources.entries, ...sources.modules, ...sources.statics].map((f) => [f.abs, f]))
  const listed = new InputStats(listedFiles)
  for (const unit of units) {
    const reused = reuse(cache.compile(unit.id, unitKey(base, unit), config.outDir, config.cwd, listed), config, cache)
    if (reused) take(unit, reused)
    else pending.push(unit)
  }
  // What the local cache lacks, another runner may have stored in the remote cache (cache.remote).
  const remote = cache.remote
  if (pending.length && remote) {
    const found = await Promise.all(pending.map((unit) => remote.fetch(unitKey(base, unit), unit.id)))
    pending = pending.filter((unit, i) => {
      const hit = found[i]
      if (hit) take(unit, { record: hit.record, outputs: hit.record.files.map((f) => ({ ...f, bytes: hit.bytes.get(f.file) })) }, hit.bytes)
      return !hit
    })
  }
  // The static files start now unless the scripts compile: then once esbuild has them (unitsOf).
  if (!pending.some((u) => u.id === 'scripts')) context.statics.start()
  if (pending.length) {
    // Targets, the PostCSS config and the compilers load only when something is compiled.
    const targets = await resolveTargets(config.cwd)
    let styles: Promise<StyleTools> | undefined
    let startedScripts = () => {}
    const scriptsStarted = pending.some((u) => u.id === 'scripts') ? new Promise<void>((resolve) => (startedScripts = resolve)) : Promise.resolve()
    const tools: Tools = {
      targets, postcssConfig, scriptsStarted, startedScripts,
      styles: () => (styles ??= Promise.all([prefixerFor(targets), loadPostcssConfig(config.cwd, mode)]).then(([prefixer, user]) => ({ prefixer, user }))),
    }
    const settled = await Promise.allSettled(pending.map((unit) => runUnit(context, unit, unitKey(base, unit), tools, listedFiles)))
    // A PostCSS config that cannot load is the build's one error, reported once (not per stylesheet), as when it loaded before every unit.
    await styles
    const errors = settled.flatMap((s) => (s.status === 'rejected' ? errorsOf(s.reason) : []))
    if (errors.length) throw new KilnError(errors)
    for (const s of settled) {
      const r = (s as PromiseFulfilledResult<{ entries: CompiledEntry[]; outputs: Output[]; incremental?: boolean; inputs: string[] }>).value
      read.push(...r.inputs)
      entries.push(...r.entries)
      outputs.push(...r.outputs)
      if (r.incremental !== undefined) esbuildRun = r.incremental ? 'incremental' : 'full'
    }
  }
  await remote?.settle()
  if (session) outsideRoot.set(session, read.filter((p) => isOutside(p, config)))
  return { entries, outputs, ran: pending.map((u) => u.id), esbuild: esbuildRun }
}

const outsideRoot = new WeakMap<BuildSession, string[]>()

/**
 * kiln watch: what the last build read outside the source root, besides packages (Tailwind's
 * templates in views/, a module in ../shared), so editing one rebuilds too.
 */
export function inputsOutsideRoot(session: BuildSession): string[] {
  return outsideRoot.get(session) ?? []
}

function isOutside(p: string, config: ResolvedConfig): boolean {
  const inside = (dir: string) => p === dir || p.startsWith(dir + path.sep)
  return !inside(config.rootDir) && !inside(config.outDir) && !inside(path.resolve(config.cwd, config.cacheDir)) && !p.split(path.sep).includes('node_modules')
}

/** Also the unit's entries: which root files are entries depends on their imports (entry-imports.ts), not only on names. */
function unitKey(base: string, unit: Unit): string {
  const entries = unit.entries.map((e) => e.logical)
  return keyOf(unit.key === undefined ? [base, unit.id, entries] : [base, unit.id, entries, unit.key])
}

function unitsOf({ config, sources, warnings, session, statics: table }: BuildContext): Unit[] {
  const common = ({ targets }: Tools, statics: StaticLookup, contentHashes: Map<string, string>) => ({
    cwd: config.cwd, root: config.rootDir, outDir: config.outDir, publicPath: config.publicPath, minify: config.minify, sourcemap: config.sourcemap, targets, statics,
    strict: config.strict, inlineLimit: config.inlineLimit, ignore: [config.outDir, path.resolve(config.cwd, config.cacheDir)], contentHashes,
  })
  const scripts = sources.entries.filter((e) => e.kind === 'script')
  const units: Unit[] = []
  if (scripts.length) {
    const settings = settingsOf(config, sources)
    warnings.push(...settings.warnings)
    units.push({
      id: 'scripts',
      entries: scripts,
      key: settings.key,
      inputs: settings.inputs,
      compile: async (tools, statics, warnings, hashes) => {
        try {
          await checkDefine(config.define, config.configFile, config.cwd)
          const { compileScripts } = await import('./compilers/javascript.js')
          // Called, not awaited, before the stylesheets go on: esbuild has the build once this returns.
          const listedScripts = [...sources.entries, ...sources.modules].filter((f) => f.kind === 'script').map((f) => f.abs)
          return compileScripts(scripts, { ...common(tools, statics, hashes), scripts: settings, postcssConfig: tools.postcssConfig, styleTools: tools.styles, listedScripts }, warnings, session)
        } finally {
          tools.startedScripts()
          table.start()
        }
      },
    })
  }
  for (const style of sources.entries.filter((e) => e.kind === 'style')) {
    units.push({
      id: `style:${style.logical}`,
      entries: [style],
      compile: async (tools, statics, warnings, hashes) => {
        await tools.scriptsStarted
        const [{ compileStylesheet }, styles] = await Promise.all([import('./compilers/stylesheet.js'), tools.styles()])
        return compileStylesheet(style, { ...common(tools, statics, hashes), ...styles, sourcemap: config.cssSourcemap }, warnings, new Set())
      },
    })
  }
  return units
}

/**
 * A file whose mtime is this close to (or after) the moment its compiler started may have
 * been read before or after an edit: file system clocks are coarse, and a save can land
 * while esbuild reads. Such a unit compiles again rather than cache what it cannot vouch for.
 */
const RACY_MS = 50
const RETRIES = 2

async function runUnit({ config, sources, statics, cache, warnings }: BuildContext, unit: Unit, key: string, tools: Tools, listed: ReadonlyMap<string, SourceFile>) {
  // How esbuild ran: a retry from the incremental context after a full build is still a full build.
  let incremental = true
  for (let attempt = 0; ; attempt++) {
    const mine: Message[] = []
    const referenced = new Set<string>()
    const hashes = new Map<string, string>()
    const started = Date.now()
    let result: Awaited<ReturnType<Unit['compile']>>
    try {
      result = await unit.compile(tools, statics.tracking(referenced), mine, hashes)
    } catch (err) {
      warnings.push(...mine)
      throw err
    }
    if (result.incremental !== undefined) incremental &&= result.incremental
    const outputs = result.files.map((f) => ({ file: f.file, bytes: f.bytes, size: f.bytes.length, integrity: integrity(f.bytes) }))
    const read = [...result.inputs, ...referenced]
    // Every file that decided the output, not only the sources: configs and packages met while resolving.
    const inputs = new Set([...read, ...resolutionInputs(read, config.cwd), ...projectFiles(config, tools.postcssConfig), ...(unit.inputs ?? [])])
    // Inputs include paths a url() or import named that lead nowhere (through a file, too long, a loop): recorded as absent.
    const known = cache.knownInputs()
    // A listed file the compiler hashed as it read it: the walk's stat (taken before that read) with that hash;
    // a listed static file it named: with the SRI value the workers computed from their read of it.
    const fresh = new Map<string, InputRecord>()
    const hashed = (abs: string, hash: string) => {
      const f = listed.get(abs)
      if (f) fresh.set(abs, [relativeInput(abs, config.cwd), f.size, f.mtimeMs, f.ino, hash])
    }
    // (A compiler's hash is a sha256: of a script or a stylesheet, as content-inputs.ts hashes those.)
    for (const [abs, hash] of hashes) if (kindOf(abs) !== 'static') hashed(abs, hash)
    const named = [...referenced].filter((abs) => listed.get(abs)?.kind === 'static')
    const assets = await Promise.all(named.map((abs) => statics.lookup(abs).catch(() => null)))
    named.forEach((abs, i) => assets[i] && hashed(abs, assets[i]!.integrity))
    const stats = [...inputs].sort().map((p) => recordInput(p, config.cwd, known, fresh))
    // A time stamp in the future (an unpacked archive, clock skew) is no edit during this build.
    const finished = Date.now()
    const racy = stats.filter(([, , mtimeMs]) => mtimeMs >= started - RACY_MS && mtimeMs <= finished + RACY_MS)
    const changed = racy[0]
    if (changed && attempt < RETRIES) {
      // Start again once the newest edit is old enough to be told apart from the next one.
      const newest = Math.max(...racy.map(([, , mtimeMs]) => mtimeMs))
      await new Promise((r) => setTimeout(r, Math.min(RACY_MS * 2, Math.max(0, newest + RACY_MS + 1 - Date.now()))))
      continue
    }
    warnings.push(...mine)
    if (changed) {
      throw buildError(`${changed[0]} changed while it was being compiled, ${RETRIES + 1} times`, { file: changed[0], line: 1, column: 0 },
        'build again once it is saved (is something rewriting it on every build?)')
    }
    const discovered = new Set(sources.statics.map((s) => s.abs))
    const extra = [...referenced].filter((p) => !discovered.has(p)).map((p) => relativeInput(p, config.cwd)).sort()
    const record: CompileRecord = { key, inputs: stats, ...(extra.length ? { statics: extra } : {}), entries: result.entries, files: outputs.map(({ file, size, integrity }) => ({ file, size, integrity })), warnings: mine }
    const bytes = new Map(result.files.map((f) => [f.file, f.bytes]))
    cache.rememberCompile(unit.id, record, bytes)
    cache.remote?.store(record, bytes, unit.id)
    return { entries: result.entries, outputs, incremental: result.incremental === undefined ? undefined : incremental, inputs: filesRead(record, config.cwd) }
  }
}

/** The paths a unit read (kiln watch follows those outside the root), without the probes that found nothing. */
function filesRead(record: CompileRecord, cwd: string): string[] {
  return record.inputs.filter((i) => i[4] !== ABSENT).map((i) => absoluteInput(i[0], cwd))
}

/** A cached unit's outputs, when each is in the artifact directory or its bytes can be had from the cache. */
function reuse(record: CompileRecord | null, config: ResolvedConfig, cache: BuildCache): { record: CompileRecord; outputs: Output[] } | null {
  if (!record) return null
  const outputs: Output[] = []
  for (const f of record.files) {
    if (inPlace(config.outDir, f)) outputs.push({ ...f })
    else {
      const bytes = cache.compiledBytes(f)
      if (!bytes) return null
      outputs.push({ ...f, bytes })
    }
  }
  return { record, outputs }
}

function errorsOf(reason: unknown): Message[] {
  if (reason instanceof KilnError) return reason.errors
  throw reason
}

/**
 * What every unit's result depends on besides the files it read: Kiln's and its
 * compilers' versions, every option that changes output, the browserslist configuration,
 * and the list of source names (a new file can change how an import resolves).
 */
function baseKey(config: ResolvedConfig, sources: Sources, postcssConfig: string | null, mode: string): string {
  // define, envPrefix and esbuild (plugins are functions) count through the scripts unit's own key; the environment only through the variables it exposes.
  const { cacheDir: _c, verifyCache: _v, configFile: _f, environment: _e, define: _d, envPrefix: _p, esbuild: _b, budgets: _g, summary: _s, compare: _m, report: _r, cache: _k, ...rest } = config
  // No absolute path: the same sources in another checkout (another CI runner) have the same key; the directories count relative to the project.
  const { cwd: _w, projectRoot: _j, rootReason: _x, root: _o, out: _u, rootDir, outDir, ...options } = rest
  const dirs = [relativeInput(rootDir, config.cwd), relativeInput(outDir, config.cwd)]
  const names = [...sources.entries, ...sources.modules, ...sources.statics].map((f) => f.logical).sort()
  // The PostCSS config's path and the env its functions see; its content is an input of every unit.
  const postcss = postcssConfig ? [relativeInput(postcssConfig, config.cwd), mode] : null
  return keyOf({ kiln: VERSION, tools: toolVersions(), options, dirs, browserslist: targetInputs(config.cwd, process.env), names, postcss })
}

/**
 * Files that change how sources compile without being sources: package.json, tsconfig.json;
 * with a PostCSS config, the config and the lockfiles (a plugin upgraded in node_modules).
 */
function projectFiles(config: ResolvedConfig, postcssConfig: string | null): string[] {
  const dirs = new Set([config.cwd, config.rootDir])
  const files = [...dirs].flatMap((d) => ['package.json', 'tsconfig.json', 'jsconfig.json'].map((f) => path.join(d, f)))
  if (postcssConfig) files.push(postcssConfig, ...LOCKFILES.map((f) => path.join(config.cwd, f)))
  return files
}

const LOCKFILES = ['package-lock.json', 'node_modules/.package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'bun.lockb']

function inPlace(outDir: string, f: CompiledFile): boolean {
  return fs.statSync(path.join(outDir, f.file), { throwIfNoEntry: false })?.size === f.size
}

/** The settings a script build needs besides its sources (transforms/scripts.ts). */
function settingsOf(config: ResolvedConfig, sources: Sources): ScriptSettings {
  return scriptSettings({
    cwd: config.cwd, rootDir: config.rootDir, mode: config.mode, publicPath: config.publicPath, define: config.define, envPrefix: config.envPrefix,
    plugins: config.esbuild.plugins ?? [], configFile: config.configFile, environment: config.environment,
    packageFiles: sources.statics.filter((f) => path.basename(f.abs) === 'package.json').map((f) => f.abs),
  })
}
