// new URL('./img.png', import.meta.url): the string becomes a placeholder for the file's
// output (asset-url.ts), so at run time the URL is the fingerprinted file next to the chunk
// the code is in. A template, new URL(`./img/${name}.png`, import.meta.url), is looked up
// at run time in a table of every file its pattern (./img/*.png) matches, as Vite does.
// URLs Kiln leaves alone: data:, any scheme, //host, #fragment. A path it cannot know (a
// variable, a template it cannot list), a missing file, a directory or a script are errors
// at their file:line:col (warnings in a package's files).
import { localReference } from '../css/references.js'
import { fileUrl, SCRIPT_EXT } from './asset-url.js'
import { resolveFrom, type Job } from './job.js'
import { fastGlob } from '../packages.js'
import path from 'node:path'
import { absolutePattern, specifier } from './glob.js'
import { staticString, unwrap, type Node } from './parse.js'

export async function urlAsset(job: Job, arg: Node): Promise<void> {
  const spec = staticString(arg)
  if (spec === null && unwrap(arg).type === 'TemplateLiteral') return dynamicUrl(job, unwrap(arg))
  if (spec === null) {
    job.problem(arg, 'new URL(…, import.meta.url) with a computed path: Kiln cannot tell which file it names, so it cannot fingerprint it', [
      'write the path as a string literal, or list the files with import.meta.glob(\'./dir/*.png\', { eager: true, query: \'?url\', import: \'default\' }) and pick one by name',
    ])
    return
  }
  const ref = localReference(spec)
  if (!ref) return
  const r = await fileUrl(job.run, resolveFrom(job, ref.pathname), job.ancestry, false)
  if ('problem' in r) {
    if (r.problem === 'missing') job.error(arg, `Could not resolve ${JSON.stringify(spec)}`)
    else job.problem(arg, `new URL(${JSON.stringify(spec)}, import.meta.url): ${r.problem}`, r.hint ? [r.hint] : [])
    return
  }
  job.code.overwrite(arg.start, arg.end, JSON.stringify(job.run.ctx.placeholders.for(r.file, ref.suffix)))
}

/** new URL(`./dir/${name}.png`, import.meta.url) → new URL({ "./dir/a.png": …, … }[`./dir/${name}.png`], import.meta.url). */
async function dynamicUrl(job: Job, tpl: Node): Promise<void> {
  const quasis = (tpl.quasis as (Node & { value: { cooked: string | null } })[]).map((q) => q.value.cooked)
  const pattern = quasis.some((q) => q === null) ? null : quasis.join('*')
  if (pattern === null || !/^\.\.?\//.test(pattern) || /[?#*[\]{}()!]/.test(quasis.join(''))) {
    job.problem(tpl, 'new URL(`…${…}…`, import.meta.url): Kiln can list the files of a template only when it starts with ./ or ../ and has no query, fragment or glob characters', [
      "list the files with import.meta.glob('./dir/*.png', { eager: true, query: '?url', import: 'default' }) and pick one by name",
    ])
    return
  }
  const files = fastGlob().sync(absolutePattern(job, pattern), { onlyFiles: true, absolute: true, ignore: ['**/node_modules/**'] }).map((f) => path.resolve(f)).sort()
  const entries: string[] = []
  for (const abs of files) {
    if (abs === job.file || SCRIPT_EXT.test(abs)) continue
    const r = await fileUrl(job.run, abs, job.ancestry, false)
    if ('file' in r) entries.push(`${JSON.stringify(specifier(job, abs))}: ${JSON.stringify(job.run.ctx.placeholders.for(r.file, ''))}`)
  }
  if (!entries.length) {
    job.problem(tpl, `new URL(\`…\`, import.meta.url): no file matches ${pattern}`)
    return
  }
  job.code.prependLeft(tpl.start, `({${entries.join(', ')}})[`)
  job.code.appendRight(tpl.end, ']')
}
