// Parsing a stylesheet, with postcss's syntax errors turned into Kiln messages.
import fs from 'node:fs'
import postcss, { CssSyntaxError, type Root } from 'postcss'
import { buildError, displayPath, KilnError } from '../diagnostics.js'
import { sha256Hex } from '../fingerprint.js'

/** `hashes`: where the sha256 of the bytes read is recorded, by path (a compile unit's inputs need it). */
export function readStylesheet(abs: string, cwd: string, hashes?: Map<string, string>): string {
  let bytes: Buffer
  try {
    bytes = fs.readFileSync(abs)
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    throw buildError(`Cannot read ${displayPath(abs, cwd)}: ${e.code ?? e.message}`, null, e.code === 'EACCES' ? 'check the file permissions' : undefined)
  }
  hashes?.set(abs, sha256Hex(bytes))
  return decode(bytes, displayPath(abs, cwd))
}

/**
 * Stylesheets are UTF-8 unless they say otherwise with @charset (the only way CSS can);
 * anything else is an error at the first bad byte, never silently replaced characters.
 */
function decode(bytes: Buffer, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    const charset = /^@charset "([^"]+)";/.exec(bytes.subarray(0, 100).toString('latin1'))?.[1]
    if (charset && !/^utf-?8$/i.test(charset)) {
      try {
        return new TextDecoder(charset).decode(bytes).replace(/^@charset "[^"]+";/, '@charset "UTF-8";')
      } catch {
        throw buildError(`Unknown @charset "${charset}"`, { file, line: 1, column: 10 }, 'save the file as UTF-8 and remove the @charset rule')
      }
    }
    const offset = firstInvalidByte(bytes)
    const before = bytes.subarray(0, offset).toString('utf8')
    const line = before.split('\n').length
    const column = before.length - before.lastIndexOf('\n') - 1
    throw buildError(`${file} is not valid UTF-8 (byte 0x${bytes[offset]!.toString(16).toUpperCase().padStart(2, '0')})`, { file, line, column },
      'save the file as UTF-8, or declare its encoding with @charset "…"; as its first line')
  }
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence (for the error's location). */
function firstInvalidByte(bytes: Buffer): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1
    if (need < 0) return i
    for (let k = 1; k <= need; k++) if (i + k >= bytes.length || (bytes[i + k]! & 0xc0) !== 0x80) return i
    i += need + 1
  }
  return Math.max(0, bytes.length - 1)
}
export function parseStylesheet(abs: string, cwd: string, hashes?: Map<string, string>): Root {
  const text = readStylesheet(abs, cwd, hashes)
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
