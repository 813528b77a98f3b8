// The end of the top build: nested builds' outputs (workers, stylesheets by URL) join its
// outputs and their metafile entries join its metafile, each worker as a 'dynamic-import'
// of every chunk holding a module that starts it (so the manifest lists it under the
// entry's dynamicImports); then every URL placeholder in a written script becomes the path
// from that script to the file, and its source map's columns follow (url-placeholders.ts,
// the same step as url()s in CSS imported from JS).
import path from 'node:path'
import type * as esbuild from 'esbuild'
import { PLUGIN_PREFIX, type TransformRun } from './run.js'

const MARK = '/__kiln_url__/'

export function outputsPlugin(run: TransformRun): esbuild.Plugin {
  return {
    name: `${PLUGIN_PREFIX}outputs`,
    setup(build) {
      build.onStart(() => {
        run.start(build.initialOptions)
      })
      build.onEnd((result) => {
        if (!result.outputFiles || !result.metafile || result.errors.length) return undefined
        const meta = result.metafile
        // A nested build's entry is not an entry of this build (an entry file may also be started as a worker).
        for (const [file, { entryPoint: _, ...rest }] of Object.entries(run.metaOutputs)) meta.outputs[file] ??= rest
        for (const out of Object.values(meta.outputs)) {
          for (const input of Object.keys(out.inputs)) {
            // Sorted: nested builds finish in any order, the manifest is the same every time.
            for (const target of [...(run.edges.get(input) ?? [])].sort()) {
              if (!out.imports.some((i) => i.path === target)) out.imports.push({ path: target, kind: 'dynamic-import' })
            }
          }
        }
        const files = result.outputFiles
        const byPath = new Map(files.map((f, i) => [f.path, i]))
        for (const f of run.outputs.values()) {
          const i = byPath.get(f.path)
          if (i === undefined) {
            byPath.set(f.path, files.length)
            files.push(f)
          } else if (!Buffer.from(files[i]!.contents).equals(Buffer.from(f.contents))) {
            return { errors: [{ text: `Kiln: two builds wrote ${path.relative(run.ctx.cwd, f.path)} with different bytes` }] }
          }
        }
        for (let i = 0; i < files.length; i++) {
          const f = files[i]!
          if (!f.path.endsWith('.js') || !f.text.includes(MARK)) continue
          const mapIndex = byPath.get(`${f.path}.map`)
          const rel = path.relative(run.ctx.outDir, f.path).split(path.sep).join('/')
          const r = run.ctx.placeholders.resolve(rel, f.text, mapIndex === undefined ? null : files[mapIndex]!.text)
          files[i] = outputFile(f.path, r.css)
          if (mapIndex !== undefined && r.map !== null) files[mapIndex] = outputFile(`${f.path}.map`, r.map)
        }
        return undefined
      })
    },
  }
}

function outputFile(file: string, text: string): esbuild.OutputFile {
  const contents = Buffer.from(text)
  return { path: file, contents, hash: '', get text() { return text } }
}
