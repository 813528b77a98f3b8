// Resolves the options of one run: API/flags > environment > config file > defaults.
import path from 'node:path'
import { findConfig, loadConfig } from './config-file.js'
import type { BuildSession } from './session.js'
import { configFromEnv, mergeOptions, validateConfig, type KilnConfig, type ResolvedOptions } from './options.js'

export interface BuildOptions extends KilnConfig {
  /** Working directory; paths in options are relative to it. Default process.cwd(). */
  cwd?: string
  /** Config file path, or false to read none. Default: kiln.config.{mjs,js,json} in cwd when present. */
  config?: string | false
  /** Environment to read KILN_* from. Default process.env. */
  env?: NodeJS.ProcessEnv
  /** Long-running callers (kiln watch) keep esbuild's incremental context here between builds. */
  session?: BuildSession
}

export interface ResolvedConfig extends ResolvedOptions {
  cwd: string
  rootDir: string
  outDir: string
  configFile: string | null
}

export async function resolveConfig(options: BuildOptions = {}): Promise<ResolvedConfig> {
  const { cwd: cwdOpt, config, env, session: _session, ...overrides } = options
  const cwd = path.resolve(cwdOpt ?? process.cwd())
  validateConfig(overrides, 'build options')
  const environment = env ?? process.env
  const configFile = config === false ? null : findConfig(cwd, config ?? (environment.KILN_CONFIG || undefined))
  const fromFile = configFile ? await loadConfig(configFile, cwd) : {}
  const merged = mergeOptions(overrides, configFromEnv(environment), fromFile)
  const publicPath = merged.publicPath.endsWith('/') ? merged.publicPath : `${merged.publicPath}/`
  return { ...merged, publicPath, cwd, rootDir: path.resolve(cwd, merged.root), outDir: path.resolve(cwd, merged.out), configFile }
}
