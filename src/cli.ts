// The CLI is a thin map from flags to the programmatic API. Errors are caught once, here,
// and mapped to exit codes: 0 ok, 1 build errors, 2 usage errors.
import yargs, { type Argv } from 'yargs'
import { build } from './build.js'
import { VERSION } from './version.js'
import { closest } from './runtime/closest.js'
import { KilnError, usageError } from './diagnostics.js'
import type { BuildOptions } from './config.js'
import { OPTIONS, validateConfig } from './options.js'
import { reportFailure, reportSuccess, type ReportMode } from './report.js'


interface Streams {
  out: NodeJS.WritableStream
  err: NodeJS.WritableStream
}

function buildFlags(y: Argv) {
  return y
    .option('root', { type: 'string', describe: `${OPTIONS.root.describe} [env KILN_ROOT]`, defaultDescription: 'assets' })
    .option('out', { type: 'string', describe: `${OPTIONS.out.describe} [env KILN_OUT]`, defaultDescription: 'public/assets' })
    .option('config', { type: 'string', describe: 'Config file [env KILN_CONFIG]', defaultDescription: 'kiln.config.{mjs,js,json} when present' })
    .option('public-path', { type: 'string', describe: `${OPTIONS.publicPath.describe} [env KILN_PUBLIC_PATH]`, defaultDescription: '/assets/' })
    .option('entry', { type: 'string', array: true, describe: `${OPTIONS.entries.describe} [env KILN_ENTRIES]`, defaultDescription: 'JS/TS/CSS files directly in the root' })
    .option('minify', { type: 'boolean', describe: `${OPTIONS.minify.describe} [env KILN_MINIFY]`, defaultDescription: 'true' })
    .option('sourcemap', { type: 'boolean', describe: `${OPTIONS.sourcemap.describe} [env KILN_SOURCEMAP]`, defaultDescription: 'true' })
    .option('strict', { type: 'boolean', describe: `${OPTIONS.strict.describe} [env KILN_STRICT]`, defaultDescription: 'false' })
    .option('inline-limit', { type: 'number', describe: `${OPTIONS.inlineLimit.describe} [env KILN_INLINE_LIMIT]`, defaultDescription: '0 (off)' })
    .option('compress', { type: 'string', array: true, describe: `${OPTIONS.compress.describe}; --no-compress for none [env KILN_COMPRESS]`, defaultDescription: 'br gzip' })
    .option('brotli-quality', { type: 'number', describe: `${OPTIONS.brotliQuality.describe} [env KILN_BROTLI_QUALITY]`, defaultDescription: '11' })
    .option('gzip-level', { type: 'number', describe: `${OPTIONS.gzipLevel.describe} [env KILN_GZIP_LEVEL]`, defaultDescription: '9' })
    .option('compress-source-maps', { type: 'boolean', describe: `${OPTIONS.compressSourceMaps.describe} [env KILN_COMPRESS_SOURCE_MAPS]`, defaultDescription: 'false' })
    .option('cache-dir', { type: 'string', describe: `${OPTIONS.cacheDir.describe} [env KILN_CACHE_DIR]`, defaultDescription: 'node_modules/.cache/kiln' })
    .option('verify-cache', { type: 'boolean', describe: `${OPTIONS.verifyCache.describe} [env KILN_VERIFY_CACHE]` })
    .option('json', { type: 'boolean', describe: 'Print one JSON object on stdout and nothing else' })
    .option('quiet', { type: 'boolean', describe: 'Print only errors' })
}

/** Flags → API options. Flags not given stay undefined so the environment and config file apply. */
export function optionsFromFlags(a: Record<string, unknown>): BuildOptions {
  const o: BuildOptions = {
    root: a.root as string | undefined,
    out: a.out as string | undefined,
    config: a.config as string | undefined,
    publicPath: a.publicPath as string | undefined,
    entries: a.entry as string[] | undefined,
    minify: a.minify as boolean | undefined,
    sourcemap: a.sourcemap as boolean | undefined,
    strict: a.strict as boolean | undefined,
    inlineLimit: a.inlineLimit as number | undefined,
    compress: compressFlag(a.compress),
    brotliQuality: a.brotliQuality as number | undefined,
    gzipLevel: a.gzipLevel as number | undefined,
    compressSourceMaps: a.compressSourceMaps as boolean | undefined,
    cacheDir: a.cacheDir as string | undefined,
    verifyCache: a.verifyCache as boolean | undefined,
  }
  // Flags get the same checks as config keys, reported as usage errors.
  try {
    const { config: _config, ...options } = o
    validateConfig(options, 'flags')
  } catch (err) {
    if (err instanceof KilnError) throw usageError(err.errors[0]!.text.replace(/^Option "(\w+)" in flags/, (_, k: string) => `--${kebab(k)}`))
    throw err
  }
  return o
}

/** `--no-compress` → false; `--compress br --compress gzip` or `--compress br,gzip` → the list. */
function compressFlag(v: unknown): BuildOptions['compress'] {
  if (v === undefined) return undefined
  if (v === false || (Array.isArray(v) && v.length === 1 && v[0] === false)) return false
  return (v as string[]).flatMap((x) => String(x).split(',')).map((x) => x.trim()).filter(Boolean) as ('br' | 'gzip')[]
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}

function modeOf(a: Record<string, unknown>): ReportMode {
  return a.json ? 'json' : a.quiet ? 'quiet' : 'text'
}

export async function main(argv: string[], io: Streams = { out: process.stdout, err: process.stderr }): Promise<number> {
  let code = 0
  const parser = yargs(argv)
    .scriptName('kiln')
    .usage('$0 <command> [options]')
    .command('build', 'Compile, fingerprint and write the artifact directory and manifest', buildFlags, async (a) => {
      code = await runBuild(a as Record<string, unknown>, io)
    })
    .demandCommand(1, 'Name a command: kiln build')
    .strictCommands()
    .strictOptions()
    .version(VERSION)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? usageError(improveUsageMessage(msg ?? 'invalid usage', parser))
    })
  try {
    await parser.parseAsync()
  } catch (err) {
    if (err instanceof KilnError) {
      io.err.write(`${err.errors.map((e) => `error: ${e.text}${e.notes.map((n) => `\n  hint: ${n.text}`).join('')}`).join('\n')}\n`)
      return err.exitCode
    }
    throw err
  }
  return code
}

async function runBuild(a: Record<string, unknown>, io: Streams): Promise<number> {
  const mode = modeOf(a)
  const started = performance.now()
  try {
    const result = await build(optionsFromFlags(a))
    reportSuccess(result, mode, io.out, io.err)
    return 0
  } catch (err) {
    if (!(err instanceof KilnError)) throw err
    if (err.kind === 'usage' && mode !== 'json') throw err
    reportFailure(err, mode, io.out, io.err, Math.round(performance.now() - started))
    return err.exitCode
  }
}

/** yargs says "Unknown argument: mnify"; add the closest valid flag. */
function improveUsageMessage(msg: string, parser: Argv): string {
  const m = /^Unknown arguments?: (.+)$/.exec(msg)
  if (!m) return msg
  const known = Object.keys((parser as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key)
    .filter((k) => k.length > 1 && !/[A-Z]/.test(k))
  return m[1]!.split(', ').map((name) => {
    const near = closest(name, known)
    const flag = (n: string) => (n.length === 1 ? `-${n}` : `--${n}`)
    return `Unknown option ${flag(name)}${near.length ? `; did you mean ${flag(near[0]!)}?` : ''}`
  }).join('\n')
}
