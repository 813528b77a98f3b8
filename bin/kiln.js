#!/usr/bin/env node
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import v8 from 'node:v8'
import { requireCached } from './code-cache.js'

// A build is a short burst of code that runs hot for well under a second: with V8's default
// budget its optimizing compiler (Turbofan) spends more CPU compiling postcss, autoprefixer
// and Kiln's own loops on its background threads than the optimized code then saves (on the
// bench's medium corpus, 2 cores: −350 ms CPU and −11% wall at 8×; the large corpus −5%).
// Eight times the budget lets code that stays hot (a large app) still be optimized, only a
// little later. Set here, for the command alone: the library API never touches the flags
// of the process that imports it.
v8.setFlagsFromString('--interrupt-budget=540672')
// The CLI bundled into one CommonJS file (src/tools/build-cli.ts): required, it starts sooner
// than its ~50 ES modules would; with V8's code cache (code-cache.js), sooner still.
const cli = requireCached(fileURLToPath(new URL('../dist/cli.cjs', import.meta.url)))
const args = process.argv.slice(2)

cli.exports.main(args).then(
  (code) => {
    process.exitCode = code
    // After a build: the cache then holds the functions a build runs, not just those of --help
    // (a cache V8 accepts is never written again, so the first one written must be a build's).
    if (code === 0 && args[0] === 'build' && !args.includes('--help') && !args.includes('-h')) cli.keep()
  },
  (err) => {
    process.stderr.write(lastResort(err))
    process.exitCode = 1
  },
)

/**
 * What escaped every other handler. A file system error on a path (a directory removed or
 * made unreadable mid-build, a failing disk) is about the user's files, so it is said as one,
 * with the path; anything else is a bug in Kiln, printed with its stack to be reported.
 */
function lastResort(err) {
  if (err && typeof err.code === 'string' && /^E[A-Z0-9]+$/.test(err.code) && typeof err.path === 'string') {
    let shown = err.path
    try {
      shown = path.relative(process.cwd(), err.path) || '.'
    } catch {
      // The working directory is gone: the path as it is.
    }
    const verb = err.syscall ? ` (${err.syscall})` : ''
    return `error: Cannot use ${shown}: ${err.code}${verb}\n  hint: check that it exists and is readable (and writable, for the output directory), then build again\n`
  }
  return `kiln: internal error: ${err?.stack ?? err}\n  hint: this is a bug in Kiln; please report it with the command you ran and this message\n`
}
