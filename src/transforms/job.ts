// One script being rewritten by the import.meta transforms (import-meta.ts): its text, the
// edits (magic-string, so esbuild gets a source map back to the original), imports to add,
// and the messages, each at the file:line:col of the node it is about.
import path from 'node:path'
import type * as esbuild from 'esbuild'
import type MagicString from 'magic-string'
import { locate } from '../diagnostics.js'
import type { Node } from './parse.js'
import type { TransformRun } from './run.js'

export class Job {
  readonly code: MagicString
  /** Import declarations added at the end of the module (they are hoisted: where they stand does not matter). */
  readonly appended: string[] = []
  readonly errors: esbuild.PartialMessage[] = []
  readonly warnings: esbuild.PartialMessage[] = []
  /** A file in a package: what Kiln cannot follow there is a warning (the app cannot edit it), elsewhere an error. */
  readonly vendored: boolean
  private names = 0

  constructor(
    readonly run: TransformRun,
    /** Absolute path. */
    readonly file: string,
    readonly text: string,
    /** Entries of the nested builds this file is bundled in (cycle detection). */
    readonly ancestry: string[],
    /** The editor class (esm-only.ts loads it). */
    Editor: typeof MagicString,
  ) {
    this.code = new Editor(text)
    this.vendored = file.split(path.sep).includes('node_modules')
  }

  get dir(): string {
    return path.dirname(this.file)
  }

  /** A fresh local name for an added import. */
  name(): string {
    return `__kiln_${this.names++}`
  }

  location(node: Node): esbuild.PartialMessage['location'] {
    // Absolute: esbuild reads a relative path as relative to its working directory (fromEsbuild shows it relative to cwd).
    const l = locate(this.file, this.text, node.start)
    return { ...l, length: Math.max(0, Math.min(node.end, this.text.indexOf('\n', node.start) >>> 0) - node.start) }
  }

  error(node: Node, text: string, notes: string[] = []): void {
    this.errors.push({ text, location: this.location(node), notes: notes.map((n) => ({ text: n })) })
  }

  /** Something Kiln cannot follow: an error in the app's own files, a warning in a package's (--strict makes it an error too). */
  problem(node: Node, text: string, notes: string[] = []): void {
    if (!this.vendored) return this.error(node, text, notes)
    this.warnings.push({ text: `${text} (left as written)`, location: this.location(node), notes: notes.map((n) => ({ text: n })) })
  }

  /** Messages of a nested build (a worker's), with a note at the reference that started it. */
  nestedMessages(errors: esbuild.PartialMessage[], warnings: esbuild.PartialMessage[], node: Node, what: string): void {
    const note = { text: `${what} referenced here`, location: this.location(node) }
    this.errors.push(...errors.map((m) => ({ ...m, notes: [...(m.notes ?? []), note] })))
    this.warnings.push(...warnings.map((m) => ({ ...m, notes: [...(m.notes ?? []), note] })))
  }

  get changed(): boolean {
    return this.code.hasChanged() || this.appended.length > 0
  }

  /** The rewritten module, with an inline source map back to the original for esbuild to compose. */
  contents(): string {
    if (this.appended.length) this.code.append(`\n${this.appended.join('\n')}\n`)
    const map = this.code.generateMap({ hires: 'boundary', source: path.basename(this.file), includeContent: true })
    return `${this.code.toString()}\n//# sourceMappingURL=${map.toUrl()}\n`
  }
}

/** A path as a URL-ish reference names it, from `job`'s file: `/x` from the source root, anything else from the file's directory. */
export function resolveFrom(job: Job, pathname: string): string {
  return pathname.startsWith('/') ? path.join(job.run.ctx.root, pathname) : path.resolve(job.dir, pathname)
}
