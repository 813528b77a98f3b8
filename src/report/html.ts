// report.html: one self-contained page (template.html with page.js and the model inlined),
// written next to the manifest; not listed in it, not fingerprinted, nothing fetched.
import fs from 'node:fs'
import path from 'node:path'
import { writeAtomic } from '../output.js'
import type { CompiledEntry } from '../compilers/types.js'
import type { Manifest } from '../manifest.js'
import { reportModel } from './model.js'

export const REPORT_NAME = 'report.html'

/** The template and the page script sit beside this module (the build copies them to dist/report/). */
function asset(name: string): string {
  return fs.readFileSync(new URL(`./${name}`, import.meta.url), 'utf8')
}

export function renderReport(manifest: Manifest, outDir: string, entries: CompiledEntry[] | null, previous: Manifest | null, cwd = process.cwd()): string {
  const model = reportModel(manifest, outDir, entries, previous, cwd)
  // JSON inside <script>: nothing in it may close the element or open a comment.
  const json = JSON.stringify(model).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')
  const script = asset('page.js').replace(/<\/script/gi, '<\\/script')
  return asset('template.html').replace('/*KILN_DATA*/', () => json).replace('/*KILN_SCRIPT*/', () => script)
}

/** Writes report.html into the artifact directory; returns its path. */
export async function writeReport(manifest: Manifest, outDir: string, entries: CompiledEntry[] | null, previous: Manifest | null, cwd = process.cwd()): Promise<string> {
  const file = path.join(outDir, REPORT_NAME)
  await writeAtomic(file, renderReport(manifest, outDir, entries, previous, cwd), false, outDir)
  return file
}
