// JSX: the automatic runtime (`react/jsx-runtime`) unless the project's tsconfig.json or
// jsconfig.json asks for the classic one. esbuild reads jsxImportSource, jsxFactory and
// jsxFragmentFactory from that file itself (Preact: "jsxImportSource": "preact"); Kiln only
// decides the runtime, because esbuild's own default without a tsconfig is the classic
// React.createElement, which fails at run time in an app that never imports React.
//
// The file is the one esbuild uses for sources in the root: tsconfig.json, else jsconfig.json,
// in the root or the nearest directory above it, with its `extends` chain.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import type * as esbuild from 'esbuild'
import { buildError, displayPath } from '../diagnostics.js'

export interface JsxSettings {
  /** The esbuild options Kiln sets; empty for the classic runtime (esbuild reads the factory from the tsconfig). */
  options: Pick<esbuild.BuildOptions, 'jsx' | 'jsxDev'>
  /**
   * A tsconfig's "react-jsxdev" in a production build: esbuild takes it over the jsxDev option
   * and emits jsxDEV() calls, which React's production jsx-dev-runtime does not have (it is
   * undefined there). productionJsxPlugin() maps them to the production runtime.
   */
  devRuntimeInProduction: boolean
  /** compilerOptions.jsx as found, or null. */
  found: string | null
  /** The tsconfig/jsconfig files read (the nearest and what it extends). */
  files: string[]
}

export function jsxSettings(rootDir: string, cwd: string, nodeEnv: 'production' | 'development'): JsxSettings {
  const files: string[] = []
  const config = nearestConfig(rootDir)
  const jsx = config ? readJsx(config, cwd, files, 0) : null
  const mode = typeof jsx === 'string' ? jsx.toLowerCase() : null
  // "react": the classic runtime the project chose. "preserve" and "react-native" keep JSX
  // for another tool, which a bundle for browsers has not got: they get the automatic runtime.
  if (mode === 'react') return { options: {}, devRuntimeInProduction: false, found: jsx, files }
  const dev = mode === 'react-jsxdev'
  return { options: { jsx: 'automatic', jsxDev: dev && nodeEnv === 'development' }, devRuntimeInProduction: dev && nodeEnv === 'production', found: jsx, files }
}

function nearestConfig(dir: string): string | null {
  for (let d = dir; ; d = path.dirname(d)) {
    for (const name of ['tsconfig.json', 'jsconfig.json']) {
      const file = path.join(d, name)
      if (fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return file
    }
    if (path.dirname(d) === d) return null
  }
}

/** compilerOptions.jsx of a config or the configs it extends (the last one that sets it wins, the file's own first). */
function readJsx(file: string, cwd: string, files: string[], depth: number): string | null {
  if (depth > 20 || files.includes(file)) return null
  files.push(file)
  const text = fs.readFileSync(file, 'utf8')
  let parsed: { extends?: unknown; compilerOptions?: { jsx?: unknown } }
  try {
    parsed = JSON.parse(stripJsonComments(text)) as typeof parsed
  } catch (err) {
    throw buildError(`Cannot read ${displayPath(file, cwd)}: ${(err as Error).message}`, { file: displayPath(file, cwd), line: 1, column: 0 },
      'esbuild and Kiln read it for JSX and paths settings; fix the JSON (comments and trailing commas are fine)')
  }
  const own = parsed?.compilerOptions?.jsx
  if (typeof own === 'string') return own
  const bases = typeof parsed?.extends === 'string' ? [parsed.extends] : Array.isArray(parsed?.extends) ? parsed.extends.filter((e): e is string => typeof e === 'string') : []
  let found: string | null = null
  for (const base of bases) {
    const resolved = resolveExtends(base, file)
    if (!resolved) continue
    found = readJsx(resolved, cwd, files, depth + 1) ?? found
  }
  return found
}

function resolveExtends(spec: string, from: string): string | null {
  const dir = path.dirname(from)
  const candidates = spec.startsWith('.') || path.isAbsolute(spec)
    ? [path.resolve(dir, spec), path.resolve(dir, `${spec}.json`), path.resolve(dir, spec, 'tsconfig.json')]
    : null
  if (candidates) return candidates.find((c) => fs.statSync(c, { throwIfNoEntry: false })?.isFile()) ?? null
  const require = createRequire(from)
  for (const s of [spec, `${spec}.json`, `${spec}/tsconfig.json`]) {
    try {
      return require.resolve(s)
    } catch {
      // try the next form
    }
  }
  return null
}

/** tsconfig is JSON with comments and trailing commas. Strings are kept as they are. */
export function stripJsonComments(text: string): string {
  let out = ''
  let i = 0
  const src = text.replace(/^\uFEFF/, '')
  while (i < src.length) {
    const c = src[i]!
    if (c === '"') {
      let j = i + 1
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1
      out += src.slice(i, j + 1)
      i = j + 1
    } else if (c === '/' && src[i + 1] === '/') {
      while (i < src.length && src[i] !== '\n') i++
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2)
      i = end < 0 ? src.length : end + 2
      out += ' '
    } else {
      out += c
      i++
    }
  }
  return dropTrailingCommas(out)
}

function dropTrailingCommas(src: string): string {
  let out = ''
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!
    if (c === '"') {
      let j = i + 1
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1
      out += src.slice(i, j + 1)
      i = j
    } else if (c === ',' && /^\s*[}\]]/.test(src.slice(i + 1, i + 200))) {
      // a trailing comma: dropped
    } else out += c
  }
  return out
}

const PRODUCTION_JSX = 'kiln-production-jsx'

/**
 * `<source>/jsx-dev-runtime` → a module over `<source>/jsx-runtime` whose jsxDEV() calls the
 * production jsx()/jsxs() (the same element; the dev-only source and self arguments dropped).
 */
export function productionJsxPlugin(): esbuild.Plugin {
  return {
    name: PRODUCTION_JSX,
    setup(build) {
      build.onResolve({ filter: /\/jsx-dev-runtime$/ }, (args) => {
        if (args.namespace === PRODUCTION_JSX || args.kind === 'entry-point') return undefined
        return { path: args.path, namespace: PRODUCTION_JSX, pluginData: args.resolveDir }
      })
      build.onLoad({ filter: /.*/, namespace: PRODUCTION_JSX }, (args) => ({
        contents: [
          `import { jsx, jsxs, Fragment } from ${JSON.stringify(args.path.replace(/jsx-dev-runtime$/, 'jsx-runtime'))}`,
          'export { Fragment }',
          'export function jsxDEV(type, props, key, isStaticChildren) {',
          '  return (isStaticChildren ? jsxs : jsx)(type, props, key)',
          '}',
          '',
        ].join('\n'),
        resolveDir: args.pluginData as string,
        loader: 'js',
      }))
    },
  }
}
