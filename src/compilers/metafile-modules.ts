// What each written file of an entry is made of, from esbuild's metafile: output → source
// module → bytes in that output. Budgets name the biggest contributors from it and the
// report draws its treemap; it is cached with the entry, so a build from the cache has it too.
import path from 'node:path'
import type { Metafile } from 'esbuild'

/** Output file (relative to the artifact directory) → source (relative to the project, POSIX) → bytes. */
export type ModuleSizes = Record<string, Record<string, number>>

/**
 * Every output the entry may load, statically or lazily, and its CSS bundles. `rel` maps a
 * metafile output path to a path relative to the artifact directory; `source` a metafile
 * input path to one relative to the project.
 */
export function modulesOf(outputs: Metafile['outputs'], entryOut: string, rel: (p: string) => string, source: (p: string) => string): ModuleSizes {
  const sizes: ModuleSizes = {}
  const seen = new Set<string>()
  const visit = (out: string) => {
    if (seen.has(out)) return
    seen.add(out)
    const meta = outputs[out]
    if (!meta) return
    const bytes: Record<string, number> = {}
    for (const [input, { bytesInOutput }] of Object.entries(meta.inputs)) {
      if (bytesInOutput > 0) bytes[source(input)] = (bytes[source(input)] ?? 0) + bytesInOutput
    }
    sizes[rel(out)] = bytes
    if (meta.cssBundle) visit(meta.cssBundle)
    for (const imp of meta.imports) if (!imp.external && (imp.kind === 'import-statement' || imp.kind === 'dynamic-import')) visit(imp.path)
  }
  visit(entryOut)
  return sizes
}

/** A metafile input as a project-relative POSIX path; inputs in a plugin namespace ("ns:path") stay as they are. */
export function sourceName(root: string, cwd: string, input: string): string {
  if (/^[a-z-]+:/.test(input)) return input
  return path.relative(cwd, path.resolve(root, input)).split(path.sep).join('/')
}
