// esbuild's messages already have Kiln's shape; only paths need to become display paths.
import type * as esbuild from 'esbuild'
import { displayPath, type Location, type Message } from '../diagnostics.js'

function location(loc: esbuild.Location | null, cwd: string): Location | null {
  if (!loc) return null
  return { file: displayPath(loc.file, cwd), line: loc.line, column: loc.column, lineText: loc.lineText, suggestion: loc.suggestion || undefined }
}

export function fromEsbuild(m: esbuild.Message, cwd: string): Message {
  return { text: m.text, location: location(m.location, cwd), notes: m.notes.map((n) => ({ text: n.text, location: location(n.location, cwd) })) }
}

/** The messages of an esbuild failure, or null when `err` is something else. */
export function esbuildFailure(err: unknown): esbuild.Message[] | null {
  const e = err as { errors?: esbuild.Message[] }
  return Array.isArray(e?.errors) && e.errors.length ? e.errors : null
}
