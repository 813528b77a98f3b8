// Sources of an app whose package.json says "type": "commonjs" (a server app in CommonJS,
// its browser code in ESM). esbuild takes that field as the module type of every .js/.ts
// file below it: a module with no import or export (`window.x = 1`, a polyfill) becomes
// CommonJS, gets a __commonJS wrapper, and the wrappers land in an extra shared chunk;
// even the entry that imports it is wrapped. A browser bundle has no CommonJS sources of
// its own unless they say so, so Kiln resolves the app's own files itself: esbuild then
// decides each file's type from its content, as for a package without "type" (a file that
// uses module.exports or require is still CommonJS). Packages in node_modules keep theirs.
import fs from 'node:fs'
import path from 'node:path'
import type * as esbuild from 'esbuild'

/** True when a package.json that governs sources under the root says "type": "commonjs". */
export function commonjsSources(rootDir: string, packageFilesInRoot: string[]): string[] {
  const found: string[] = []
  for (let d = rootDir; ; d = path.dirname(d)) {
    const pkg = path.join(d, 'package.json')
    if (fs.existsSync(pkg)) {
      if (typeOf(pkg) === 'commonjs') found.push(pkg)
      break
    }
    if (path.dirname(d) === d) break
  }
  for (const pkg of packageFilesInRoot) if (typeOf(pkg) === 'commonjs') found.push(pkg)
  return found
}

function typeOf(pkg: string): unknown {
  try {
    return (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { type?: unknown }).type
  } catch {
    return undefined
  }
}

const BARE = /^(?![./]|[A-Za-z]:[\\/])/
const RESOLVED = 'kiln-esm-sources'

/**
 * Resolves the app's own files (entries and relative or absolute imports from outside
 * node_modules) through esbuild's resolver and hands the result back as a plugin's, which
 * carries no package type. Registered last: every other plugin has had its turn.
 */
export function esmSourcesPlugin(): esbuild.Plugin {
  const inPackages = (p: string) => p.split(/[\\/]/).includes('node_modules')
  return {
    name: 'kiln-esm-sources',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === RESOLVED || args.namespace !== 'file' || BARE.test(args.path)) return undefined
        if (args.kind === 'url-token' || args.kind === 'import-rule' || args.kind === 'composes-from') return undefined
        if (args.importer && inPackages(args.importer)) return undefined
        const r = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, namespace: args.namespace, with: args.with, pluginData: RESOLVED })
        // Errors are reported by esbuild's own resolution of the same path, with its notes.
        if (r.errors.length) return undefined
        return { path: r.path, external: r.external, namespace: r.namespace, suffix: r.suffix, sideEffects: r.sideEffects, pluginData: r.pluginData }
      })
    },
  }
}
