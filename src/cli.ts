// The CLI is a thin map from flags to the programmatic API. Errors are caught once, here,
// and mapped to exit codes: 0 ok, 1 build errors, 2 usage errors.
import yargs, { type Argv } from 'yargs'
import { build } from './build.js'
import { VERSION } from './version.js'
import { closest } from './runtime/closest.js'
import { KilnError, usageError } from './diagnostics.js'
import type { BuildOptions } from './config.js'
import { OPTIONS, validateConfig } from './options.js'
import { formatBytes, reportFailure, reportSuccess, type ReportMode } from './report.js'
import { clean, type CleanResult } from './clean.js'
import { verify, type VerifyResult } from './verify.js'
import { formatInspect, inspect, type InspectResult } from './inspect.js'
import { watch } from './watch.js'
import { init, TEMPLATES } from './init.js'


interface Streams {
  out: NodeJS.WritableStream
  err: NodeJS.WritableStream
}

/** Flags every command has: where the artifact directory is, and how to report. */
function outFlags(y: Argv) {
  return y
    .option('out', { type: 'string', describe: `${OPTIONS.out.describe} [env KILN_OUT]`, defaultDescription: 'public/assets' })
    .option('config', { type: 'string', describe: 'Config file [env KILN_CONFIG]', defaultDescription: 'kiln.config.{mjs,js,json} when present' })
    .option('json', { type: 'boolean', describe: 'Print one JSON object on stdout and nothing else' })
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
    .command('watch', 'Build, then rebuild on every change (development)', buildFlags, async (a) => {
      code = await runWatch(a as Record<string, unknown>, io)
    })
    .command('clean', 'Remove what no recent build needs (safe during rolling deploys)', (y) => outFlags(y)
      .option('keep', { type: 'number', describe: 'Earlier builds to keep besides the current one', default: 2 })
      .option('age', { type: 'number', describe: 'Keep anything younger than this many seconds', default: 3600 })
      .option('dry-run', { type: 'boolean', describe: 'Only print what would be removed' }), async (a) => {
      code = await runCommand(a as Record<string, unknown>, io, async (o) => report(await clean({ ...o, keep: a.keep as number, age: a.age as number, dryRun: a.dryRun as boolean })))
    })
    .command('verify', 'Check every file the manifest lists: present, right size, right integrity', outFlags, async (a) => {
      code = await runCommand(a as Record<string, unknown>, io, async (o) => report(await verify(o)))
    })
    .command('inspect <name>', 'Show how a logical name (or an output file) resolves', (y) => outFlags(y).positional('name', { type: 'string', describe: 'Logical name, e.g. app.ts' }), async (a) => {
      code = await runCommand(a as Record<string, unknown>, io, async (o) => report(await inspect(String(a.name), o)))
    })
    .command('init [kinds..]', 'Scaffold kiln.config.mjs, package.json scripts and, on request, deploy templates', (y) => y
      .positional('kinds', { type: 'string', array: true, describe: `Templates: ${TEMPLATES.join(', ')}` })
      .option('template', { type: 'string', array: true, describe: `One or more of: ${TEMPLATES.join(', ')}` })
      .option('force', { type: 'boolean', describe: 'Replace files and scripts that already exist' }), (a) => {
      const r = init({ templates: [...((a.kinds as string[] | undefined) ?? []), ...((a.template as string[] | undefined) ?? [])].flatMap((t) => t.split(',')), force: a.force as boolean })
      io.out.write([...r.wrote.map((f) => `wrote   ${f}`), ...r.skipped.map((f) => `skipped ${f}`)].join('\n') + '\n')
    })
    .demandCommand(1, 'Name a command: kiln build, watch, clean, verify, inspect or init')
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
      printErrors(err, io)
      return err.exitCode
    }
    throw err
  }
  return code
}

/** Errors outside a build (usage, other commands): `error: …` with its hints. */
function printErrors(err: KilnError, io: Streams) {
  io.err.write(`${err.errors.map((e) => `error: ${e.text}${e.notes.map((n) => `\n  hint: ${n.text}`).join('')}`).join('\n')}\n`)
}

type Report = { json: unknown; text: string; ok: boolean }

/** Runs a non-build command: its report as text or JSON, exit 0 when ok, 1 when not, KilnErrors as for build. */
async function runCommand(a: Record<string, unknown>, io: Streams, fn: (o: BuildOptions) => Promise<Report>): Promise<number> {
  try {
    const r = await fn({ out: a.out as string | undefined, config: a.config as string | undefined })
    ;(a.json ? io.out : r.ok ? io.out : io.err).write(`${a.json ? JSON.stringify(r.json) : r.text}\n`)
    return r.ok ? 0 : 1
  } catch (err) {
    if (!(err instanceof KilnError)) throw err
    if (a.json) io.out.write(`${JSON.stringify({ ok: false, errors: err.errors })}\n`)
    else printErrors(err, io)
    return err.exitCode
  }
}

function report(r: CleanResult | VerifyResult | InspectResult): Report {
  if ('problems' in r) {
    const text = r.ok
      ? `OK: ${r.manifest} lists ${r.files} files (${formatBytes(r.bytes)}), each present with its recorded size and integrity`
      : [`Verification of ${r.manifest} failed with ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}:`, ...r.problems.map((p) => `  ${p.text}`)].join('\n')
    return { ok: r.ok, json: r, text }
  }
  if ('removed' in r) {
    const verb = r.dryRun ? 'Would remove' : 'Removed'
    const lines = r.removed.map((f) => `${r.dryRun ? 'would remove' : 'removed'} ${f.file} (${formatBytes(f.size)})`)
    lines.push(`${verb} ${r.removed.length} files, ${formatBytes(r.freed)}; kept ${r.kept}.`)
    if (r.unknown.length) lines.push(`Left alone (no manifest ever listed them): ${r.unknown.join(', ')}`)
    return { ok: true, json: { ok: true, ...r }, text: lines.join('\n') }
  }
  return { ok: true, json: { ok: true, ...r }, text: formatInspect(r) }
}

async function runWatch(a: Record<string, unknown>, io: Streams): Promise<number> {
  const mode = modeOf(a)
  const handle = await watch(optionsFromFlags(a), {
    onBuild: (r) => reportSuccess(r, mode, io.out, io.err),
    onError: (e) => reportFailure(e, mode, io.out, io.err, 0),
  })
  if (mode === 'text') io.err.write('Watching for changes (Ctrl-C to stop)\n')
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  await handle.stop()
  return 0
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
