// Kiln's own dependencies that load only when a build needs them (esbuild for a config or a
// scan, fast-glob, browserslist, autoprefixer, postcss-load-config). Through require, not
// import(): they are CommonJS packages, and import() of one first scans its whole source for
// named exports (esbuild's 100 kB main file: ~14 ms of a build's start).
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)

export const esbuildPackage = (): typeof import('esbuild') => require('esbuild')
export const fastGlob = (): typeof import('fast-glob') => require('fast-glob')
export const browserslistPackage = (): typeof import('browserslist') => require('browserslist')
export const autoprefixerPackage = (): typeof import('autoprefixer') => require('autoprefixer')
export const postcssLoadConfig = (): typeof import('postcss-load-config') => require('postcss-load-config')

/**
 * The version of the package `name` that require() from here loads: its package.json in the
 * node_modules of the nearest ancestor that has it, as Node looks. Read directly: Node's
 * resolver also applies the package's exports map, and require() of the JSON keeps it parsed
 * in the module cache (~2.5 ms for the six a cache key names, in a build that may do nothing else).
 */
export function packageVersion(name: string): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== 'node_modules') {
      const text = readIfAny(path.join(dir, 'node_modules', name, 'package.json'))
      if (text !== null) return (JSON.parse(text) as { version: string }).version
    }
    // Not in any node_modules above (NODE_PATH, a global folder): as require() finds it.
    if (path.dirname(dir) === dir) return (require(`${name}/package.json`) as { version: string }).version
  }
}

function readIfAny(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return null
  }
}
