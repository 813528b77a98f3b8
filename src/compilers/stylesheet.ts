// Stylesheet entries (.css, .pcss, .scss, .sass, .less): the pipeline of style-pipeline.ts
// (preprocess, @imports, the user's PostCSS plugins, autoprefixer, url()s), then lowering
// and minifying with esbuild, which also carries the source map through. `theme.scss` is
// written as `theme-HASH.css`; its manifest key stays `theme.scss`.
import path from 'node:path'
import * as esbuild from 'esbuild'
import { KilnError, displayPath, type Message } from '../diagnostics.js'
import { contentHash, fingerprintName } from '../fingerprint.js'
import type { SourceFile } from '../discover.js'
import { esbuildFailure, fromEsbuild } from './esbuild-messages.js'
import { realPath } from '../walk.js'
import { runStylePipeline, type StyleOptions } from './style-pipeline.js'
import type { CompileResult } from './types.js'

export interface StylesheetOptions extends StyleOptions {
  outDir: string
  minify: boolean
}

export async function compileStylesheet(entry: SourceFile, o: StylesheetOptions, warnings: Message[], inputs: Set<string>): Promise<CompileResult> {
  const logicalCss = entry.logical.replace(/\.[^./]+$/, '') + '.css'
  // url()s are rewritten last, after autoprefixer (which may copy them into prefixed
  // declarations): parsing and prefixing need no fingerprints, so they overlap with the
  // static files being hashed.
  const css = await runStylePipeline({
    // An entry that is a symbolic link compiles as its target: its @imports and url()s are relative to where it really is (as esbuild does for scripts).
    file: realPath(entry.abs), to: path.join(o.outDir, logicalCss), inlineImports: true, outDir: path.posix.dirname(logicalCss).replace(/^\.$/, ''),
    location: { file: displayPath(entry.abs, o.cwd), line: 1, column: 0 },
  }, o, warnings, inputs)
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
