// new URL('./img.png', import.meta.url): the string becomes a placeholder for the file's
// output (asset-url.ts), so at run time the URL is the fingerprinted file next to the chunk
// the code is in. URLs Kiln leaves alone: data:, any scheme, //host, #fragment. A path it
// cannot know (a variable, a template with expressions), a missing file, a directory or a
// script are errors at their file:line:col (warnings in a package's files).
import { localReference } from '../css/references.js'
import { fileUrl } from './asset-url.js'
import { resolveFrom, type Job } from './job.js'
import { staticString, type Node } from './parse.js'

export async function urlAsset(job: Job, arg: Node): Promise<void> {
  const spec = staticString(arg)
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
