// The CLI is a thin map from flags to the programmatic API: one table row per command (its
// help, flags and handler). Errors are caught once, here, and mapped to exit codes: 0 ok,
// 1 build errors, 2 usage errors.
import path from 'node:path'
import { VERSION } from './version.js'
import { closest } from './runtime/closest.js'
import { formatMessage, KilnError, usageError } from './diagnostics.js'
import type { BuildOptions, ResolvedConfig } from './config.js'
import { OPTION_NAMES, validateConfig, type KilnConfig } from './options.js'
import { CONFIG_FLAG, HELP_FLAG, JSON_FLAG, OPTION_FLAGS, OUT_FLAGS, QUIET_FLAG, VERBOSE_FLAG, flagName, parseFlags, renderFlags, type Flag, type FlagValues, type Parsed } from './flags.js'
import { formatBytes, reportFailure, reportSuccess, type ReportMode } from './report.js'
import { startLiveLine, startProgress } from './progress-line.js'
import type { CleanResult } from './clean.js'
import type { VerifyResult } from './verify.js'
import type { InspectResult } from './inspect.js'
import { TEMPLATES } from './init.js'

interface Streams {
  out: NodeJS.WritableStream
  err: NodeJS.WritableStream
}

interface Command {
  name: string
  /** Positional arguments as --help shows them. */
  args?: string
  summary: string
  /** More for its --help, after the summary. */
  details?: string
  flags: Flag[]
  run(p: Parsed, io: Streams): Promise<number>
}

const REPORT_FLAGS = [JSON_FLAG, QUIET_FLAG, VERBOSE_FLAG, HELP_FLAG]
const BUILD_FLAGS = [...OPTION_FLAGS, CONFIG_FLAG, ...REPORT_FLAGS]
const WATCH_JSON: Flag = { ...JSON_FLAG, describe: 'Print one JSON object per build, one line each, and nothing else on stdout' }

const COMMANDS: Command[] = [
  { name: 'build', summary: 'Compile, fingerprint and write the artifact directory and manifest', flags: BUILD_FLAGS, run: runBuild },
  { name: 'watch', summary: 'Build, then rebuild on every change', flags: BUILD_FLAGS.map((f) => (f === JSON_FLAG ? WATCH_JSON : f)), run: runWatch },
  {
    name: 'clean',
    summary: 'Remove what no recent build needs (safe during rolling deploys)',
    flags: [...OUT_FLAGS,
      { name: 'keep', type: 'number', arg: 'N', describe: 'Earlier builds to keep besides the current one', shownDefault: '2' },
      { name: 'age', type: 'number', arg: 'SECONDS', describe: 'Keep anything younger than this', shownDefault: '3600' },
      { name: 'dry-run', type: 'boolean', describe: 'Only print what would be removed' },
      ...REPORT_FLAGS],
    run: (p, io) => runCommand(p, io, async (o) => report(await (await import('./clean.js')).clean({ ...o, keep: count(p.values.keep, '--keep', 2), age: count(p.values.age, '--age', 3600), dryRun: p.values['dry-run'] === true }))),
  },
  {
    name: 'verify',
    summary: 'Check every file the manifest lists (present, right size, right integrity) and the compatibility manifests',
    flags: [...OUT_FLAGS, OPTION_FLAGS.find((f) => f.name === 'format')!, ...REPORT_FLAGS],
    run: (p, io) => runCommand(p, io, async (o) => report(await (await import('./verify.js')).verify(o))),
  },
  {
    name: 'report',
    args: '[manifest]',
    summary: "Write report.html next to a build's manifest: sizes per entry, outputs, static files, changes since the previous build",
    flags: [...OUT_FLAGS, ...REPORT_FLAGS],
    run: (p, io) => runCommand(p, io, async (o) => (await import('./report/command.js')).reportCommand(p.positionals, o)),
  },
  {
    name: 'inspect',
    args: '<name>',
    summary: 'Show how a logical name (or an output file) resolves',
    flags: [...OUT_FLAGS, ...REPORT_FLAGS],
    run: (p, io) => {
      if (p.positionals.length !== 1) {
        throw usageError(p.positionals.length ? `kiln inspect takes one name, got ${p.positionals.length}` : 'kiln inspect needs a name: a logical name such as app.ts, or an output file',
          'names are source paths relative to the root (kiln inspect app.ts, kiln inspect images/logo.svg); kiln inspect --help')
      }
      return runCommand(p, io, async (o) => {
        const { formatInspect, inspect } = await import('./inspect.js')
        return report(await inspect(p.positionals[0]!, o), formatInspect)
      })
    },
  },
  {
    name: 'publish',
    args: '[s3-url]',
    summary: 'Upload the last build to S3-compatible storage (s3://bucket/prefix): new files only, the manifest last',
    details: [
      'Each setting, highest precedence first: the command line (the s3:// URL, --concurrency,',
      '--variants), then the environment (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID,',
      'AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then "publish" in the config file',
      '({ target, endpoint, region, concurrency, variants }), then the default. Credentials come',
      'from the environment, or from process.env read in a kiln.config.js/.ts; a kiln.config.json',
      'may not hold them. --verbose prints each setting and where it came from.',
    ].join('\n'),
    flags: [...OUT_FLAGS,
      { name: 'dry-run', type: 'boolean', describe: 'Only print what would be uploaded, skipped or refused' },
      { name: 'verify', type: 'boolean', describe: 'Upload nothing: check every key\'s size and ETag against this build' },
      { name: 'variants', type: 'boolean', negatable: true, describe: 'Publish the precompressed .br/.gz files as their own keys (with Content-Encoding; config: publish.variants)', shownDefault: 'on' },
      { name: 'concurrency', type: 'number', arg: 'N', describe: 'Uploads at once (config: publish.concurrency)', shownDefault: '16' },
      ...REPORT_FLAGS],
    run: runPublish,
  },
  {
    name: 'init',
    args: '[kind...]',
    summary: `Scaffold Kiln into this project: starter sources, config, scripts and, on request, a server or deploy templates (${TEMPLATES.join(', ')})`,
    flags: [
      { name: 'template', type: 'list', arg: 'KIND', describe: `Same as naming kinds: ${TEMPLATES.join(', ')}` },
      { name: 'force', type: 'boolean', describe: 'Replace files and scripts that already exist' },
      JSON_FLAG, QUIET_FLAG, HELP_FLAG],
    run: runInit,
  },
]

export async function main(argv: string[], io: Streams = { out: process.stdout, err: process.stderr }): Promise<number> {
  try {
    const [first, ...rest] = argv
    if (first === '--version' || first === '-v') return write(io.out, VERSION)
    if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
      const about = first === 'help' && rest[0] ? commandNamed(rest[0]) : undefined
      if (about) return write(io.out, commandHelp(about))
      if (first === undefined) throw usageError(`Name a command: ${COMMANDS.map((c) => c.name).join(', ')}`, 'kiln --help describes each')
      return write(io.out, mainHelp())
    }
    if (first.startsWith('-')) throw usageError(`Name a command before ${first}`, 'e.g. kiln build --help')
    const command = commandNamed(first)
    if (!command) {
      const near = closest(first, COMMANDS.map((c) => c.name))
      throw usageError(`Unknown command "${first}"${near.length ? `; did you mean ${near[0]}?` : ''}`, `commands: ${COMMANDS.map((c) => c.name).join(', ')}`)
    }
    const parsed = parseFlags(rest, command.flags)
    if (parsed.values.help) return write(io.out, commandHelp(command))
    if (!command.args && parsed.positionals.length) throw usageError(`kiln ${command.name} takes no arguments, got "${parsed.positionals[0]}"`, `kiln ${command.name} --help`)
    return await command.run(parsed, io)
  } catch (err) {
    if (!(err instanceof KilnError)) throw err
    printErrors(err, io)
    return err.exitCode
  }
}

function commandNamed(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name)
}

function write(stream: NodeJS.WritableStream, text: string): number {
  stream.write(`${text}\n`)
  return 0
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => `${c.name} ${c.args ?? ''}`.length)) + 2
  return [
    'Usage: kiln <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${`${c.name} ${c.args ?? ''}`.padEnd(width)}${c.summary}`),
    '',
    'kiln <command> --help shows its options. kiln --version prints the version.',
  ].join('\n')
}

function commandHelp(c: Command): string {
  return [`Usage: kiln ${c.name}${c.args ? ` ${c.args}` : ''} [options]`, '', c.summary, '', ...(c.details ? [c.details, ''] : []), 'Options:', renderFlags(c.flags), ''].join('\n')
}

/** Errors outside a build (usage, other commands): `error: …` with its hints; one at a place in a file (a config key) as a build shows it, file:line:col and the line. */
function printErrors(err: KilnError, io: Streams) {
  io.err.write(`${err.errors.map((e) => (e.location ? formatMessage(e, 'ERROR') : `error: ${e.text}${e.notes.map((n) => `\n  hint: ${n.text}`).join('')}`)).join('\n')}\n`)
}

function modeOf(v: FlagValues): ReportMode {
  return v.json ? 'json' : v.quiet ? 'quiet' : 'text'
}

/** Paths typed on the command line are relative to the shell's directory, wherever the project root is. */
const PATH_OPTIONS = new Set<keyof KilnConfig>(['root', 'out', 'cacheDir'])

/** Flags → API options. Flags not given stay undefined so the environment and config file apply. */
export function optionsFromFlags(v: FlagValues, io?: Streams): BuildOptions {
  const options: Record<string, unknown> = {}
  for (const key of OPTION_NAMES) {
    const value = v[flagName(key)]
    if (value === undefined) continue
    options[key] = PATH_OPTIONS.has(key) && typeof value === 'string' ? path.resolve(value) : value
  }
  // Flags get the same checks as config keys, reported as usage errors.
  try {
    validateConfig(options, 'flags')
  } catch (err) {
    if (err instanceof KilnError) throw usageError(err.errors[0]!.text.replace(/^Option "(\w+)" in flags/, (_, k: string) => `--${flagName(k as keyof KilnConfig)}`))
    throw err
  }
  const o: BuildOptions = { ...(options as KilnConfig) }
  if (typeof v.config === 'string') o.config = path.resolve(v.config)
  if (v.verbose && io && !v.json && !v.quiet) o.onResolved = (c) => io.err.write(describeProject(c))
  return o
}

function describeProject(c: ResolvedConfig): string {
  return `project root: ${c.projectRoot} (${c.rootReason})\nconfig file: ${c.configFile ?? 'none'}\n`
}

function count(v: unknown, flag: string, fallback: number): number {
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw usageError(`${flag} must be a whole number, got ${JSON.stringify(v)}`)
  return v
}

type Report = { json: unknown; text: string; ok: boolean }

/** Runs a non-build command: its report as text or JSON, exit 0 when ok, 1 when not, KilnErrors as for build. */
async function runCommand(p: Parsed, io: Streams, fn: (o: BuildOptions) => Promise<Report>): Promise<number> {
  const mode = modeOf(p.values)
  try {
    const r = await fn(optionsFromFlags(p.values, io))
    if (mode === 'json') io.out.write(`${JSON.stringify(r.json)}\n`)
    else if (!r.ok) io.err.write(`${r.text}\n`)
    else if (mode === 'text') io.out.write(`${r.text}\n`)
    return r.ok ? 0 : 1
  } catch (err) {
    if (!(err instanceof KilnError)) throw err
    if (mode === 'json') io.out.write(`${JSON.stringify({ ok: false, errors: err.errors })}\n`)
    else printErrors(err, io)
    return err.exitCode
  }
}

/** Commands load their module when they run: `kiln --version` or `kiln build` never load the others. */
function report(r: CleanResult | VerifyResult | InspectResult, formatInspect?: (r: InspectResult) => string): Report {
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
  return { ok: true, json: { ok: true, ...r }, text: formatInspect!(r) }
}

async function runInit(p: Parsed, io: Streams): Promise<number> {
  const templates = [...p.positionals, ...((p.values.template as string[] | undefined) ?? [])].flatMap((t) => t.split(',')).filter(Boolean)
  const { init } = await import('./init.js')
  const r = init({ templates, force: p.values.force === true })
  const mode = modeOf(p.values)
  if (mode === 'json') return write(io.out, JSON.stringify({ ok: true, ...r }))
  if (mode === 'quiet') return 0
  const lines = [...r.wrote.map((f) => `wrote   ${f}`), ...r.skipped.map((f) => `skipped ${f}`)]
  if (!r.wrote.length) lines.push('Nothing to change: Kiln is already set up here.')
  if (r.next.length) lines.push('', 'Next:', ...r.next.map((c) => `  ${c}`))
  return write(io.out, lines.join('\n'))
}

/** Flags given override the config's `publish` key; flags not given stay undefined so it applies (remote/settings.ts). */
async function runPublish(p: Parsed, io: Streams): Promise<number> {
  if (p.positionals.length > 1) throw usageError(`kiln publish takes one s3:// URL, got ${p.positionals.length}`, 'kiln publish s3://bucket/prefix')
  const concurrency = p.values.concurrency === undefined ? undefined : count(p.values.concurrency, '--concurrency', 16)
  if (concurrency !== undefined && concurrency < 1) throw usageError('--concurrency must be at least 1')
  const mode = modeOf(p.values)
  return runCommand(p, io, async (o) => {
    const { publish, formatPublish, formatProgress, describeSettings } = await import('./remote/publish.js')
    let now: Parameters<typeof formatProgress>[0] | undefined
    // A live line on a terminal; in a log, a plain line every 10 s so a long publish shows it is alive.
    const line = startLiveLine(io.err, mode, () => (now ? formatProgress(now) : null), { plainEvery: 10_000 })
    try {
      const r = await publish({ ...o, target: p.positionals[0], dryRun: p.values['dry-run'] === true, verify: p.values.verify === true, variants: p.values.variants as boolean | undefined, concurrency,
        onSettings: p.values.verbose && mode === 'text' ? (s) => line.print(describeSettings(s)) : undefined,
        onProgress: (progress) => void (now = progress) })
      return { ok: r.ok, json: r, text: formatPublish(r) }
    } finally {
      line.stop()
    }
  })
}

async function runWatch(p: Parsed, io: Streams): Promise<number> {
  const mode = modeOf(p.values)
  const { watch } = await import('./watch.js')
  const handle = await watch(optionsFromFlags(p.values, io), {
    onBuild: (r) => reportSuccess(r, mode, io.out, io.err, p.values.verbose === true),
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

async function runBuild(p: Parsed, io: Streams): Promise<number> {
  const mode = modeOf(p.values)
  const started = performance.now()
  const options = optionsFromFlags(p.values, io)
  const progress = startProgress(io.err, mode)
  try {
    const { build } = await import('./build.js')
    const result = await build({ ...options, progress: progress.sink })
    progress.stop()
    reportSuccess(result, mode, io.out, io.err, p.values.verbose === true)
    return 0
  } catch (err) {
    progress.stop()
    if (!(err instanceof KilnError)) throw err
    if (err.kind === 'usage' && mode !== 'json') throw err
    reportFailure(err, mode, io.out, io.err, Math.round(performance.now() - started))
    return err.exitCode
  }
}
