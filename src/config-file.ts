// Finds and loads kiln.config.{ts,mts,mjs,js,cjs,cts,json}. A config may export an object,
// a Promise of one, or a function (sync or async) called with { command, mode }; whatever it
// gives is validated like any other config. Errors point at the file, and at the line and
// column where one is known: JSON and JS/TS syntax errors, and a config that throws.
import crypto from 'node:crypto'
import fs from 'node:fs'
import { createRequire, SourceMap } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type * as esbuild from 'esbuild'
import { buildError, displayPath, KilnError, locate, type Location, type Message } from './diagnostics.js'
import { esbuildFailure, fromEsbuild } from './compilers/esbuild-messages.js'
import { validateConfig, type KilnConfig } from './options.js'
import { redactCredentials } from './publish-config.js'
import { esbuildPackage } from './packages.js'
import { importModule } from './import-module.js'

/** Search order: TypeScript first (a project that has one means it), JSON last. */
export const CONFIG_NAMES = ['kiln.config.ts', 'kiln.config.mts', 'kiln.config.mjs', 'kiln.config.js', 'kiln.config.cjs', 'kiln.config.cts', 'kiln.config.json']

/** What a config function is called with (Vite passes { command, mode } the same way). */
export interface ConfigEnv {
  command: 'build' | 'watch'
  /** --mode / KILN_MODE when given, else "production" (kiln watch too). */
  mode: string
}

export function findConfig(cwd: string, explicit?: string): string | null {
  if (explicit) {
    const file = path.resolve(cwd, explicit)
    if (!fs.existsSync(file)) throw buildError(`Config file not found: ${displayPath(file, cwd)}`, null, 'check --config')
    return file
  }
  for (const name of CONFIG_NAMES) {
    const file = path.join(cwd, name)
    if (fs.existsSync(file)) return file
  }
  return null
}

export async function loadConfig(file: string, cwd: string, env: ConfigEnv = { command: 'build', mode: 'production' }): Promise<KilnConfig> {
  const shown = displayPath(file, cwd)
  if (file.endsWith('.json')) return loadJson(file, shown)
  const cleanup: (() => void)[] = []
  try {
    const value = await untilDrained(shown, evaluate(file, shown, cwd, env, cleanup))
    return validateConfig(value, shown, file)
  } finally {
    // Also reached when the loop drained with the import still pending, which never gets to its own finally.
    for (const f of cleanup) f()
  }
}

function loadJson(file: string, shown: string): KilnConfig {
  const text = fs.readFileSync(file, 'utf8')
  try {
    return validateConfig(JSON.parse(text), shown, file)
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err
    const pos = /position (\d+)/.exec(err.message)
    // The message and the quoted line may show a credential the file (wrongly) holds: never print its value.
    const at = pos ? locate(shown, text, Number(pos[1])) : { file: shown, line: 1, column: 0 }
    throw buildError(redactCredentials(`Invalid JSON in config: ${err.message}`), at.lineText === undefined ? at : { ...at, lineText: redactCredentials(at.lineText) })
  }
}

/** A config module's default export, and how to find the config's line in an error it throws later. */
interface Loaded {
  exported: unknown
  where: (err: unknown) => Location | null
}

async function evaluate(file: string, shown: string, cwd: string, env: ConfigEnv, cleanup: (() => void)[]): Promise<unknown> {
  const loaded = /\.[cm]?ts$/.test(file) ? await importCompiled(file, shown, cwd, cleanup) : await importSource(file, shown, cwd)
  let value = loaded.exported
  // A .cts (compiled to CommonJS) or a CommonJS file written by a compiler exports { __esModule, default }.
  if (isObject(value) && value.__esModule === true && 'default' in value) value = value.default
  try {
    return await (typeof value === 'function' ? value(env) : value)
  } catch (err) {
    throw failed(err, loaded.where(err) ?? { file: shown, line: 1, column: 0 })
  }
}

/**
 * Node exits (code 13, or silently 0 for a dynamic import) when the event loop drains while
 * a top-level await is unsettled. 'beforeExit' fires exactly then: nothing is left that could
 * settle the config, so it never will; say so instead of exiting without a word.
 */
async function untilDrained<T>(shown: string, work: Promise<T>): Promise<T> {
  let drained!: () => void
  const never = new Promise<never>((_, reject) => {
    drained = () => reject(buildError(`${shown} never finished loading: it waits on a promise that can never settle`, { file: shown, line: 1, column: 0 },
      'a top-level await, or the promise the config exports or returns, must resolve or reject'))
  })
  process.on('beforeExit', drained)
  try {
    return await Promise.race([work, never])
  } finally {
    process.off('beforeExit', drained)
  }
}

const cjsRequire = createRequire(import.meta.url)

async function importSource(file: string, shown: string, cwd: string): Promise<Loaded> {
  // A query string makes watch-mode reloads see edits; CommonJS files are cached by path, so
  // their cache entry goes too. The URL is never written anywhere.
  delete cjsRequire.cache[file]
  try {
    const mod = await importModule<{ default?: unknown }>(`${pathToFileURL(file).href}?t=${fs.statSync(file).mtimeMs}`)
    return { exported: mod.default, where: (err) => whereInStack(err, file, shown) }
  } catch (err) {
    if (err instanceof SyntaxError) throw await syntaxError(err, file, shown, cwd)
    throw failed(err, whereInStack(err, file, shown) ?? { file: shown, line: 1, column: 0 })
  }
}

/**
 * TypeScript configs are compiled by esbuild to a temp module beside the config, so relative
 * imports and node_modules resolution work as written; the config's own relative imports are
 * bundled, packages stay external. Always esbuild, also on Node >= 22.6: its type stripping
 * is not equivalent (no enums, namespaces or parameter properties, no extensionless or
 * .js-to-.ts imports, no tsconfig paths, behind a flag before 22.18).
 */
async function importCompiled(file: string, shown: string, cwd: string, cleanup: (() => void)[]): Promise<Loaded> {
  const commonjs = file.endsWith('.cts')
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${crypto.randomBytes(4).toString('hex')}.${commonjs ? 'cjs' : 'mjs'}`)
  let result: esbuild.BuildResult & { outputFiles: esbuild.OutputFile[] }
  try {
    // Loaded only for a TypeScript config: a build with an .mjs or .json config never starts it here.
    const { build } = esbuildPackage()
    result = await build({
      entryPoints: [file], outfile: temp, write: false, bundle: true, packages: 'external', platform: 'node',
      format: commonjs ? 'cjs' : 'esm', target: `node${process.versions.node}`, sourcemap: 'external', sourcesContent: false,
      absWorkingDir: cwd, logLevel: 'silent', plugins: [originalImportMeta],
      define: { 'import.meta.url': '__kiln_import_meta_url', 'import.meta.dirname': '__kiln_import_meta_dirname', 'import.meta.filename': '__kiln_import_meta_filename' },
    })
  } catch (err) {
    const messages = esbuildFailure(err)
    if (messages) throw new KilnError(messages.map((m) => prefixed(unprefixed(fromEsbuild(m, cwd)))))
    throw buildError(`Cannot compile ${shown}: ${(err as Error).message}`, { file: shown, line: 1, column: 0 })
  }
  const code = result.outputFiles.find((f) => !f.path.endsWith('.map'))!.text
  const map = new SourceMap(JSON.parse(result.outputFiles.find((f) => f.path.endsWith('.map'))!.text))
  const where = (err: unknown) => whereCompiled(err, temp, map, cwd)
  try {
    fs.writeFileSync(temp, code, { flag: 'wx' })
  } catch (err) {
    throw buildError(`Cannot write the compiled ${shown} beside it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { file: shown, line: 1, column: 0 }, 'Kiln compiles a TypeScript config to a temp file in its directory; make it writable or use kiln.config.mjs')
  }
  const remove = () => fs.rmSync(temp, { force: true })
  cleanup.push(remove)
  try {
    const mod = await importModule<{ default?: unknown }>(pathToFileURL(temp).href)
    return { exported: mod.default, where }
  } catch (err) {
    throw failed(err, where(err) ?? { file: shown, line: 1, column: 0 }, [temp, file])
  } finally {
    remove()
  }
}

/**
 * Gives each bundled module that uses import.meta its own url/dirname/filename instead of the
 * temp file's. The declarations go on the first line, so every other line keeps its number in
 * messages and the source map; unprefixed() takes them out of line 1 again.
 */
const originalImportMeta: esbuild.Plugin = {
  name: 'kiln-original-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
      const source = fs.readFileSync(args.path, 'utf8')
      const ext = path.extname(args.path)
      const loader = ext.endsWith('x') ? (ext.includes('t') ? 'tsx' : 'jsx') : ext.includes('t') ? 'ts' : 'js'
      return { contents: (/\bimport\.meta\b/.test(source) ? metaPrefix(args.path) : '') + source, loader }
    })
  },
}

function metaPrefix(file: string): string {
  return `var __kiln_import_meta_url = ${JSON.stringify(pathToFileURL(file).href)}, __kiln_import_meta_dirname = ${JSON.stringify(path.dirname(file))}, __kiln_import_meta_filename = ${JSON.stringify(file)};`
}

const META_PREFIX = /^var __kiln_import_meta_url = "(?:[^"\\]|\\.)*", __kiln_import_meta_dirname = "(?:[^"\\]|\\.)*", __kiln_import_meta_filename = "(?:[^"\\]|\\.)*";/

/** An esbuild message about line 1 of a module that got metaPrefix(), as if it had not. */
function unprefixed(m: Message): Message {
  const at = m.location
  const prefix = at?.line === 1 ? META_PREFIX.exec(at.lineText ?? '')?.[0] : undefined
  if (!at || !prefix) return m
  return { ...m, location: { ...at, lineText: at.lineText!.slice(prefix.length), column: Math.max(0, at.column - prefix.length) } }
}

/**
 * Node's SyntaxError from import() has no position for ES modules (and only a line for
 * CommonJS), so the config and its relative imports are parsed again with esbuild, whose
 * messages have file, line, column and the line's text.
 */
async function syntaxError(err: SyntaxError, file: string, shown: string, cwd: string): Promise<KilnError> {
  try {
    const { build } = esbuildPackage()
    await build({ entryPoints: [file], write: false, bundle: true, packages: 'external', platform: 'node', format: file.endsWith('.cjs') ? 'cjs' : 'esm', absWorkingDir: cwd, logLevel: 'silent' })
  } catch (parseErr) {
    const messages = esbuildFailure(parseErr)
    if (messages) return new KilnError(messages.map((m) => prefixed(fromEsbuild(m, cwd))))
  }
  // esbuild found nothing (e.g. a missing export of a package): use the "file:line" Node may put first in the stack.
  const head = /^(file:\/\/\S+?|\/[^\n]*?|[A-Za-z]:\\[^\n]*?):(\d+)\n/.exec(err.stack ?? '')
  if (head) {
    const at = head[1]!.startsWith('file:') ? fileURLToPath(head[1]!.replace(/\?.*$/, '')) : head[1]!
    return failed(err, lineLocation(at, displayPath(at, cwd), Number(head[2]), 0))
  }
  return failed(err, whereInStack(err, file, shown) ?? { file: shown, line: 1, column: 0 })
}

function prefixed(m: Message): Message {
  return { ...m, text: `Config file failed to load: ${m.text}` }
}

/** The one "config failed" error; `replace` swaps a temp file's path for the config's in the text. */
function failed(err: unknown, location: Location, replace?: [string, string]): KilnError {
  let text = err instanceof Error ? err.message : String(err)
  if (replace) text = text.split(pathToFileURL(replace[0]).href).join(pathToFileURL(replace[1]).href).split(replace[0]).join(replace[1])
  return buildError(`Config file failed to load: ${text}`, location, 'fix the error in the config file or pass --config')
}

/** The first stack frame in the config file itself (a throw, or a call it made that threw). */
function whereInStack(err: unknown, file: string, shown: string): Location | null {
  const m = new RegExp(`${escape(pathToFileURL(file).href)}(?:\\?[^:]*)?:(\\d+):(\\d+)|${escape(file)}:(\\d+):(\\d+)`).exec(stackOf(err))
  if (!m) return null
  return lineLocation(file, shown, Number(m[1] ?? m[3]), Number(m[2] ?? m[4]) - 1)
}

/** The first stack frame in the compiled temp module, mapped back through esbuild's source map. */
function whereCompiled(err: unknown, temp: string, map: SourceMap, cwd: string): Location | null {
  const m = new RegExp(`(?:${escape(pathToFileURL(temp).href)}|${escape(temp)}):(\\d+):(\\d+)`).exec(stackOf(err))
  if (!m) return null
  const entry = map.findEntry(Number(m[1]) - 1, Number(m[2]) - 1)
  if (!('originalSource' in entry)) return null
  const source = entry.originalSource.startsWith('file:') ? fileURLToPath(entry.originalSource) : path.resolve(path.dirname(temp), entry.originalSource)
  const location = lineLocation(source, displayPath(source, cwd), entry.originalLine + 1, entry.originalColumn)
  // Line 1 of a module that uses import.meta was compiled with metaPrefix() in front.
  const shift = location.line === 1 && location.lineText !== undefined && /\bimport\.meta\b/.test(readText(source) ?? '') ? metaPrefix(source).length : 0
  return shift ? lineLocation(source, location.file, 1, Math.max(0, entry.originalColumn - shift)) : location
}

function lineLocation(file: string, shown: string, line: number, column: number): Location {
  // An unreadable file still gets its position, without the line's text.
  const lineText = readText(file)?.split('\n')[line - 1]?.replace(/\r$/, '')
  return { file: shown, line, column: lineText === undefined ? column : Math.min(column, lineText.length), lineText }
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

function stackOf(err: unknown): string {
  return (err instanceof Error ? err.stack : undefined) ?? ''
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
