// Resolves the options of one run: API/flags > environment > config file > defaults.
import fs from 'node:fs'
import path from 'node:path'
import { findConfig, loadConfig, type ConfigEnv } from './config-file.js'
import { buildError, displayPath, usageError } from './diagnostics.js'
import { findProjectRoot, type ProjectRoot } from './project-root.js'
import { dirProblem, realPath } from './walk.js'
import type { BuildSession } from './session.js'
import type { ProgressSink } from './progress.js'
import { configFromEnv, mergeOptions, OPTIONS, validateConfig, type KilnConfig, type ResolvedOptions } from './options.js'

export interface BuildOptions extends KilnConfig {
  /**
   * Project directory; relative paths in options, the environment and the config file are
   * relative to it. Used as given. Default: the nearest directory at or above process.cwd()
   * with a kiln.config.* or package.json, else process.cwd().
   */
  cwd?: string
  /** Config file path, or false to read none. Default: kiln.config.{ts,mts,mjs,js,cjs,cts,json} in the project directory. */
  config?: string | false
  /** Environment to read KILN_* from. Default process.env. */
  env?: NodeJS.ProcessEnv
  /** Long-running callers (kiln watch) keep esbuild's incremental context here between builds. */
  session?: BuildSession
  /** Passed to a config that exports a function. Default 'watch' with a session, else 'build'. */
  command?: ConfigEnv['command']
  /** Told what a long build is doing (the CLI's progress line and lock message). */
  progress?: ProgressSink
  /** Called once the options are resolved (the CLI's --verbose prints the project root from it). */
  onResolved?: (config: ResolvedConfig) => void
}

export interface ResolvedConfig extends ResolvedOptions {
  /** The project root (same as projectRoot); every relative path resolves against it. */
  cwd: string
  projectRoot: string
  /** How projectRoot was found, for --verbose: "package.json found above /app/assets/lib", … */
  rootReason: string
  rootDir: string
  outDir: string
  configFile: string | null
  /** The environment the options were read from; public variables (import.meta.env) come from it too. */
  environment: NodeJS.ProcessEnv
}

export async function resolveConfig(options: BuildOptions = {}): Promise<ResolvedConfig> {
  const { cwd: cwdOpt, config, env, session, command: commandOpt, progress: _progress, onResolved, ...overrides } = options
  const project: ProjectRoot = cwdOpt === undefined ? findProjectRoot(workingDirectory()) : { dir: path.resolve(cwdOpt), reason: 'the cwd option' }
  const cwd = project.dir
  validateConfig(overrides, 'build options')
  const environment = env ?? process.env
  const command = commandOpt ?? (session ? 'watch' : 'build')
  const configFile = config === false ? null : findConfig(cwd, config ?? (environment.KILN_CONFIG || undefined))
  const fromEnv = configFromEnv(environment)
  // The mode a config function is called with: the flag or KILN_MODE, else production (kiln watch too); the config's own `mode` may then set it.
  const mode = overrides.mode ?? fromEnv.mode ?? (OPTIONS.mode.default as string)
  const fromFile = configFile ? await loadConfig(configFile, cwd, { command, mode }) : {}
  const merged = mergeOptions(overrides, fromEnv, fromFile)
  const publicPath = merged.publicPath.endsWith('/') ? merged.publicPath : `${merged.publicPath}/`
  const resolved: ResolvedConfig = {
    ...merged,
    publicPath,
    cacheDir: merged.cacheDir ?? defaultCacheDir(cwd),
    cwd,
    projectRoot: cwd,
    rootReason: project.reason,
    // Symbolic links resolved: esbuild reports real paths, and every file of the build is compared with them.
    rootDir: realPath(path.resolve(cwd, merged.root)),
    outDir: path.resolve(cwd, merged.out),
    configFile,
    environment,
  }
  onResolved?.(resolved)
  return resolved
}

/**
 * The source root and the artifact directory must not overlap, after resolving symbolic
 * links: an output inside the root is read back as sources by every next build (and grows
 * without end), and a root inside the output is ignored by kiln watch. Checked when a build starts.
 */
export function checkLayout(config: ResolvedConfig): void {
  const shown = (p: string) => displayPath(p, config.cwd) || '.'
  // A path that cannot be a directory (through a file, too long, a link loop) is named, not left to fail later on.
  for (const [dir, what, hint] of [[config.rootDir, 'the source root', 'point --root (KILN_ROOT, "root" in the config) at your assets'],
    [config.outDir, 'the output directory', 'choose another --out (KILN_OUT, "out" in the config)']] as const) {
    const p = dirProblem(dir)
    if (p) throw buildError(`Cannot use ${shown(dir)} as ${what}: ${p.at === dir ? p.problem : `${shown(p.at)} ${p.problem}`}`, null, hint)
  }
  const root = realPath(config.rootDir)
  const out = realPath(config.outDir)
  const within = (a: string, b: string) => a === b || a.startsWith(b.endsWith(path.sep) ? b : b + path.sep)
  const show = (given: string, real: string) => real === path.resolve(given) ? shown(given) : `${shown(given)} (a link to ${shown(real)})`
  const hint = 'keep them apart, e.g. --root app/assets --out public/assets ("root" and "out" in the config, KILN_ROOT and KILN_OUT)'
  if (within(out, root)) {
    throw buildError(out === root ? `The output directory ${show(config.outDir, out)} is the source root` : `The output directory ${show(config.outDir, out)} is inside the source root ${show(config.rootDir, root)}`,
      null, `every build would read the last one's output back as sources; ${hint}`)
  }
  if (within(root, out)) {
    throw buildError(`The source root ${show(config.rootDir, root)} is inside the output directory ${show(config.outDir, out)}`, null,
      `kiln watch ignores changes inside the output directory, so it would never rebuild; ${hint}`)
  }
}

/** (Also used by kiln clean.) */
export { realPath }

/**
 * Beside the project's other tool caches when it has node_modules (where CI caches and
 * `npm ci` users expect it); otherwise a dot directory, so a build never creates a
 * node_modules directory in an app that has none.
 */
function defaultCacheDir(projectRoot: string): string {
  try {
    if (fs.statSync(path.join(projectRoot, 'node_modules')).isDirectory()) return 'node_modules/.cache/kiln'
  } catch {
    // No node_modules (or not readable): the dot directory.
  }
  return '.kiln-cache'
}

function workingDirectory(): string {
  try {
    return process.cwd()
  } catch {
    throw usageError('The working directory no longer exists', 'cd into the project again and rerun kiln')
  }
}
