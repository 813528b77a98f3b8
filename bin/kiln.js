#!/usr/bin/env node
import path from 'node:path'
import { main } from '../dist/cli.js'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
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
