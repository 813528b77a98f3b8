// .less through the project's own `less`. Bare `@import "pkg/file.less"` resolves in
// node_modules (Less's `paths`); errors keep Less's file, line and column.
import fs from 'node:fs'
import path from 'node:path'
import { buildError, displayPath } from '../diagnostics.js'
import { nodeModulesDirs, type Preprocessed, type PreprocessOptions } from './preprocessed.js'

interface LessApi {
  render: (input: string, options: object) => Promise<{ css: string; map?: string; imports: string[] }>
}

interface LessError {
  message: string
  filename?: string
  line?: number | null
  column?: number
  extract?: (string | undefined)[]
  type?: string
}

export async function compileLess(file: string, peer: unknown, o: PreprocessOptions): Promise<Preprocessed> {
  const less = ((peer as { default?: LessApi }).default?.render ? (peer as { default: LessApi }).default : peer) as LessApi
  const input = fs.readFileSync(file, 'utf8')
  try {
    const r = await less.render(input, {
      filename: file,
      paths: nodeModulesDirs(path.dirname(file)),
      sourceMap: o.sourcemap ? { outputSourceFiles: true } : undefined,
    })
    const map = r.map ? (JSON.parse(r.map) as { sources: string[] }) : null
    // Less writes sources relative to the compiled file's directory.
    if (map) map.sources = map.sources.map((s) => (path.isAbsolute(s) ? s : path.resolve(path.dirname(file), s)))
    return { css: r.css, map, inputs: [file, ...r.imports.map((f) => path.resolve(path.dirname(file), f))], warnings: [] }
  } catch (err) {
    const e = err as LessError
    if (!e || typeof e.message !== 'string' || !('type' in e)) throw err
    const where = e.filename && e.filename !== 'input' ? e.filename : file
    const line = e.line ?? 1
    throw buildError(`Less: ${e.message}`, { file: displayPath(where, o.cwd), line, column: e.column ?? 0, lineText: e.extract?.[1] },
      /FileError|not found/i.test(`${e.type} ${e.message}`) ? 'paths are relative to the file, or a package in node_modules ("pkg/file.less")' : undefined)
  }
}
