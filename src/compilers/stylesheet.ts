// CSS entries: inline @imports, rewrite url()s, autoprefix (postcss), then lower and
// minify with esbuild, which also carries postcss's source map through.
import path from 'node:path'
import * as esbuild from 'esbuild'
import postcss from 'postcss'
import { KilnError, type Message } from '../diagnostics.js'
import { contentHash, fingerprintName } from '../fingerprint.js'
import { inlineImports } from '../css/inline-imports.js'
import { fromCssSyntaxError, parseStylesheet } from '../css/parse.js'
import { rewriteUrls } from '../css/rewrite-urls.js'
import type { SourceFile } from '../discover.js'
import type { StaticLookup } from '../statics.js'
import type { Targets } from '../targets.js'
import { esbuildFailure, fromEsbuild } from './esbuild-messages.js'
import type { CompileResult } from './types.js'

export interface StylesheetOptions {
  cwd: string
  root: string
  outDir: string
  publicPath: string
  minify: boolean
  sourcemap: boolean
  strict: boolean
  inlineLimit: number
  targets: Targets
  statics: StaticLookup
}

export async function compileStylesheet(entry: SourceFile, o: StylesheetOptions, warnings: Message[], inputs: Set<string>): Promise<CompileResult> {
  const logicalCss = entry.logical.replace(/\.[^./]+$/, '') + '.css'
  const errors: Message[] = []
  let css: string
  try {
    const sheet = parseStylesheet(entry.abs, o.cwd)
    inlineImports(sheet, entry.abs, { cwd: o.cwd, root: o.root, publicPath: o.publicPath, files: inputs })
    // url()s are rewritten last, after autoprefixer (which may copy them into prefixed
    // declarations): parsing and prefixing need no fingerprints, so they overlap with the
    // static files being hashed.
    const urls = { ...o, outDir: path.posix.dirname(logicalCss).replace(/^\.$/, ''), warnings, errors }
    const to = path.join(o.outDir, logicalCss)
    const result = await postcss([o.targets.autoprefixer, { postcssPlugin: 'kiln-urls', OnceExit: (root) => rewriteUrls(root, urls) }])
      .process(sheet, { from: entry.abs, to, map: o.sourcemap ? { inline: true, sourcesContent: true } : false })
    if (errors.length) throw new KilnError(errors)
    for (const w of result.warnings()) warnings.push({ text: w.text, location: w.node?.source?.input.file ? { file: path.relative(o.cwd, w.node.source.input.file), line: w.line ?? 1, column: (w.column ?? 1) - 1 } : null, notes: [] })
    css = result.css
  } catch (err) {
    throw fromCssSyntaxError(err, o.cwd)
  }
  let out: esbuild.TransformResult
  try {
    out = await esbuild.transform(css, {
      loader: 'css', minify: o.minify, target: o.targets.esbuild, sourcemap: o.sourcemap ? 'external' : false,
      sourcefile: path.relative(o.cwd, entry.abs), logLevel: 'silent',
    })
  } catch (err) {
    const failure = esbuildFailure(err)
    if (failure) throw new KilnError(failure.map((m) => fromEsbuild(m, o.cwd)))
    throw err
  }
  for (const w of out.warnings) warnings.push(fromEsbuild(w, o.cwd))
  const body = out.code.replace(/\n$/, '')
  // The name hashes the body and the map together, so a change to either renames the file.
  const file = fingerprintName(logicalCss, contentHash(body, '\0', out.map))
  if (!o.sourcemap) return { entries: [{ logical: entry.logical, file }], files: [{ file, bytes: Buffer.from(body + '\n') }], inputs: [...inputs] }
  const map = `${file}.map`
  const code = `${body}\n/*# sourceMappingURL=${encodeURIComponent(path.posix.basename(map))} */\n`
  return {
    entries: [{ logical: entry.logical, file, map }],
    files: [{ file, bytes: Buffer.from(code) }, { file: map, bytes: Buffer.from(out.map) }],
    inputs: [...inputs],
  }
}
