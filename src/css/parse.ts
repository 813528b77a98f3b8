// Parsing a stylesheet, with postcss's syntax errors turned into Kiln messages.
import fs from 'node:fs'
import postcss, { CssSyntaxError, type Root } from 'postcss'
import { buildError, displayPath, KilnError } from '../diagnostics.js'

export function readStylesheet(abs: string, cwd: string): string {
  try {
    return fs.readFileSync(abs, 'utf8')
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw buildError(`Cannot read ${displayPath(abs, cwd)}: ${e.code ?? e.message}`, null, e.code === 'EACCES' ? 'check the file permissions' : undefined)
  }
}

export function parseStylesheet(abs: string, cwd: string): Root {
  const text = readStylesheet(abs, cwd)
  try {
    return postcss.parse(text, { from: abs })
  } catch (err) {
    throw fromCssSyntaxError(err, cwd)
  }
}

/** postcss columns are 1-based; Kiln's are 0-based (see diagnostics.ts). */
export function fromCssSyntaxError(err: unknown, cwd: string): KilnError | unknown {
  if (!(err instanceof CssSyntaxError)) return err
  const file = err.file ? displayPath(err.file, cwd) : '<css>'
  const lineText = err.source?.split(/\r?\n/)[(err.line ?? 1) - 1]
  return buildError(`CSS syntax error: ${err.reason}`, { file, line: err.line ?? 1, column: Math.max(0, (err.column ?? 1) - 1), lineText }, hintForReason(err.reason))
}

function hintForReason(reason: string): string | undefined {
  if (/Unclosed comment/i.test(reason)) return 'close the comment with */'
  if (/Unclosed (block|bracket)/i.test(reason)) return 'add the missing closing brace or bracket'
  if (/Unclosed string/i.test(reason)) return 'close the string with a matching quote'
  return undefined
}
