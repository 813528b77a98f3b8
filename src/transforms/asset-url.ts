// What a script gets for a file it names by URL (new URL(…, import.meta.url), ?url, an
// import of an image): the file's output, relative to the chunk the code ends up in. While
// esbuild bundles, the URL is a placeholder naming the output; once the chunks are written
// each placeholder becomes the path from that chunk to the file (outputs.ts), and the code
// resolves it against import.meta.url when it runs, so one artifact works under any path
// prefix or CDN host chosen at run time.
//
// Static files are the fingerprinted copies of statics.ts; a stylesheet is compiled (bundled
// on its own, like a CSS entry) and the URL names the compiled file; a script is not a URL
// Kiln can give (a worker is built by workers.ts), except plain JavaScript asked for with
// ?url, which is copied as written (a worklet, as Vite does).
import path from 'node:path'
import { STYLE_EXTS } from '../compilers/preprocessors.js'
import type { TransformRun } from './run.js'
import { statIfAny } from '../walk.js'

export const SCRIPT_EXT = /\.([cm]?[jt]sx?)$/i
const PLAIN_JS = /\.[cm]?js$/i

export function isStylesheet(file: string): boolean {
  return STYLE_EXTS.includes(path.extname(file).toLowerCase())
}

/** The module an asset URL is: `new URL(placeholder, import.meta.url).href`. */
export function urlModule(placeholder: string): string {
  return `export default new URL(${JSON.stringify(placeholder)}, import.meta.url).href\n`
}

export type FileUrl = { file: string } | { problem: string; hint?: string }

/**
 * The output a URL to `abs` names (relative to the artifact directory). `asWritten`: plain
 * JavaScript is copied as it is (?url); otherwise any script is refused.
 */
export async function fileUrl(run: TransformRun, abs: string, ancestry: string[], asWritten: boolean): Promise<FileUrl> {
  const stat = statIfAny(abs)
  if (!stat) return { problem: 'missing' }
  if (!stat.isFile()) return { problem: `${displayName(run, abs)} is a directory, not a file` }
  if (isStylesheet(abs)) {
    const css = await run.nested(abs, ancestry, {}, true)
    return { file: css.entry }
  }
  if (SCRIPT_EXT.test(abs) && !(asWritten && PLAIN_JS.test(abs))) {
    return {
      problem: `${displayName(run, abs)} is a script: a URL to it would serve its source, which a browser cannot run as written`,
      hint: "for a worker, write new Worker(new URL('./file.ts', import.meta.url), { type: 'module' }) (or new SharedWorker) and Kiln bundles it; for a lazy module, use import()",
    }
  }
  const asset = await run.ctx.statics().lookup(abs)
  if (!asset) return { problem: 'missing' }
  return { file: asset.file }
}

export function displayName(run: TransformRun, abs: string): string {
  return path.relative(run.ctx.cwd, abs).split(path.sep).join('/')
}
