// What a script build needs besides the source files, resolved once per build from the
// options and the project (cheap reads, no compiler): the define table (mode, import.meta.env,
// the config's define), the JSX runtime, the config's esbuild plugins, and whether the app's
// own files need resolving past a "type": "commonjs" package.json. Its `key` goes into the
// compile cache's key and kiln watch's context key; its `inputs` are compile inputs.
import fs from 'node:fs'
import path from 'node:path'
import type * as esbuild from 'esbuild'
import { KilnError, type Message } from '../diagnostics.js'
import { defineLocation, defineTable, loadPublicEnv, nodeEnvOf } from './env.js'
import { jsxSettings, productionJsxPlugin } from './jsx.js'
import { commonjsSources, esmSourcesPlugin } from './module-type.js'
import { esbuildPackage } from '../packages.js'
import { sha256Hex } from '../fingerprint.js'

const LOCKFILES = ['package-lock.json', 'node_modules/.package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'bun.lockb']

export interface ScriptSettingsInput {
  cwd: string
  rootDir: string
  mode: string
  publicPath: string
  define: Record<string, string>
  envPrefix: readonly string[]
  plugins: readonly esbuild.Plugin[]
  configFile: string | null
  environment: NodeJS.ProcessEnv
  /** package.json files among the sources (they may set "type" for files below them). */
  packageFiles: string[]
}

export interface ScriptSettings {
  define: Record<string, string>
  jsx: Pick<esbuild.BuildOptions, 'jsx' | 'jsxDev'>
  /** The config's esbuild plugins, in its order. */
  plugins: readonly esbuild.Plugin[]
  configFile: string | null
  /** Resolve the app's own files past a "type": "commonjs" package.json (module-type.ts). */
  esmSources: boolean
  /** Kiln's plugins that run after its own main plugin: the production JSX runtime, ESM sources (above). */
  after: esbuild.Plugin[]
  /** Everything above that can change output, as a string (functions by plugin name; the config file is an input). */
  key: string
  /** Files these settings were read from (.env files, tsconfig/jsconfig, package.json, the config when it has plugins). */
  inputs: string[]
  warnings: Message[]
}

export function scriptSettings(i: ScriptSettingsInput): ScriptSettings {
  const env = loadPublicEnv(i.cwd, i.mode, i.envPrefix, i.environment)
  const define = defineTable({ mode: i.mode, publicPath: i.publicPath, env: env.vars, define: i.define })
  const jsx = jsxSettings(i.rootDir, i.cwd, nodeEnvOf(i.mode))
  const commonjs = commonjsSources(i.rootDir, i.packageFiles)
  // Plugins are functions: their names, and the config file's stamp (their options live in its code).
  const plugins = i.plugins.length ? [i.plugins.map((p) => p.name), stamp(i.configFile)] : []
  const inputs = [...env.files, ...jsx.files, ...commonjs]
  // A plugin's options live in the config file's code, its version in the lockfile: inputs whenever there are plugins.
  if (i.plugins.length) inputs.push(...(i.configFile ? [i.configFile] : []), ...LOCKFILES.map((f) => path.join(i.cwd, f)))
  return {
    define,
    jsx: jsx.options,
    plugins: i.plugins,
    configFile: i.configFile,
    esmSources: commonjs.length > 0,
    after: [...(jsx.devRuntimeInProduction ? [productionJsxPlugin()] : []), ...(commonjs.length ? [esmSourcesPlugin()] : [])],
    key: JSON.stringify({ define, jsx: jsx.options, productionJsx: jsx.devRuntimeInProduction, plugins, esmSources: commonjs.length > 0 }),
    inputs,
    warnings: env.warnings,
  }
}

/**
 * esbuild checks define keys and values only when a build starts, and says so without a
 * place; this asks it first, one entry at a time, so a bad one is an error at its line in
 * the config file.
 */
export async function checkDefine(define: Record<string, string>, configFile: string | null, cwd: string): Promise<void> {
  if (!Object.keys(define).length) return
  const { transform } = esbuildPackage()
  try {
    await transform('', { define })
  } catch {
    const errors: Message[] = []
    for (const [key, value] of Object.entries(define)) {
      try {
        await transform('', { define: { [key]: value } })
      } catch (err) {
        const text = (err as { errors?: esbuild.Message[] }).errors?.[0]?.text ?? (err as Error).message
        errors.push({ text: `define ${JSON.stringify(key)}: ${text}`, location: defineLocation(configFile, cwd, key),
          notes: [{ text: 'a key is a global name or a member chain (process.env.X, import.meta.env.X); a value is a JS literal or a name, as a string: JSON.stringify(value)' }] })
      }
    }
    if (errors.length) throw new KilnError(errors)
  }
}

/** The config file's content hash, not its mtime: the same config in another checkout gives the same key (the remote cache). */
function stamp(file: string | null): string | null {
  try {
    return file ? sha256Hex(fs.readFileSync(file)) : null
  } catch {
    return null
  }
}
