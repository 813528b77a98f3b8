// What the Sass and Less compilers (sass.ts, less.ts) share with the table that picks them
// (preprocessors.ts): their options and result, and where bare package names resolve. Apart,
// so that the compilers, loaded by the table, import nothing back from it.
import fs from 'node:fs'
import path from 'node:path'
import type { Message } from '../diagnostics.js'

/** What a preprocessor gives: CSS, its source map (sources as absolute paths or file: URLs), and every file it read. */
export interface Preprocessed {
  css: string
  map: object | null
  inputs: string[]
  warnings: Message[]
}

export interface PreprocessOptions {
  cwd: string
  projectRoot: string
  sourcemap: boolean
}

/** node_modules directories from `dir` up, where bare package names resolve. */
export function nodeModulesDirs(dir: string): string[] {
  const dirs: string[] = []
  for (let d = dir; ; d = path.dirname(d)) {
    const nm = path.join(d, 'node_modules')
    if (fs.existsSync(nm)) dirs.push(nm)
    if (path.dirname(d) === d) return dirs
  }
}
