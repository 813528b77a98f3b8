// One message shape for every source of errors (esbuild, postcss, config, Kiln itself),
// modelled on esbuild's. Columns are 0-based inside Kiln, like esbuild's; they become
// 1-based only when printed, in formatMessage(), so there is exactly one conversion.
import path from 'node:path'

export interface Location {
  file: string
  line: number
  column: number
  lineText?: string
  suggestion?: string
}

export interface Note {
  text: string
  location?: Location | null
}

export interface Message {
  text: string
  location: Location | null
  notes: Note[]
}

export type ErrorKind = 'build' | 'usage'

/** Marks a KilnError whichever copy of Kiln made it (Symbol.for: one symbol per process). */
const KILN_ERROR = Symbol.for('kiln-assets.KilnError')

/** Thrown by every Kiln entry point; `errors` holds one or more messages. */
export class KilnError extends Error {
  /**
   * `instanceof KilnError` holds for a KilnError of any copy of Kiln in the process: the CLI
   * runs from one bundled file (dist/cli.cjs), and a config may import kiln-assets itself.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [KILN_ERROR]?: unknown })[KILN_ERROR] === true
  }

  readonly errors: Message[]
  readonly warnings: Message[]
  readonly kind: ErrorKind
  /** What --json adds to a failure besides the messages (e.g. the budget results of a build over budget). */
  json: Record<string, unknown> = {}
  constructor(errors: Message[], warnings: Message[] = [], kind: ErrorKind = 'build') {
    super(formatFailure(errors))
    this.name = 'KilnError'
    Object.defineProperty(this, KILN_ERROR, { value: true })
    this.errors = errors
    this.warnings = warnings
    this.kind = kind
  }
  get exitCode(): 1 | 2 {
    return this.kind === 'usage' ? 2 : 1
  }
}

export function message(text: string, location: Location | null = null, hint?: string): Message {
  return { text, location, notes: hint ? [{ text: hint }] : [] }
}

export function usageError(text: string, hint?: string): KilnError {
  return new KilnError([message(text, null, hint)], [], 'usage')
}

export function buildError(text: string, location: Location | null = null, hint?: string): KilnError {
  return new KilnError([message(text, location, hint)])
}

/** A file path as printed in messages: relative to the working directory, POSIX separators. */
export function displayPath(file: string, cwd: string): string {
  const rel = path.isAbsolute(file) ? path.relative(cwd, file) : file
  return rel.split(path.sep).join('/')
}

/** Position of a 0-based offset in a text: 1-based line, 0-based column, and the line's text. */
export function locate(file: string, text: string, offset: number): Location {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  const lineStart = before.lastIndexOf('\n') + 1
  const lineEnd = text.indexOf('\n', lineStart)
  return {
    file,
    line,
    column: offset - lineStart,
    lineText: text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd).replace(/\r$/, ''),
  }
}

export function formatMessage(m: Message, severity: 'ERROR' | 'WARNING'): string {
  const where = m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ` : ''
  const lines = [`${where}${severity}: ${m.text}`]
  if (m.location?.lineText !== undefined) {
    lines.push(`    ${m.location.lineText}`, `    ${' '.repeat(m.location.column)}^`)
  }
  if (m.location?.suggestion) lines.push(`  suggestion: ${m.location.suggestion}`)
  for (const note of m.notes) {
    const at = note.location ? `${note.location.file}:${note.location.line}:${note.location.column + 1}: ` : ''
    lines.push(`  ${at}hint: ${note.text}`)
  }
  return lines.join('\n')
}

export function formatFailure(errors: Message[]): string {
  const n = errors.length
  return [`Build failed with ${n} error${n === 1 ? '' : 's'}:`, ...errors.map((e) => formatMessage(e, 'ERROR'))].join('\n')
}
