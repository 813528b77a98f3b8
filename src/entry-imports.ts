// Which of the files directly in the root are imported by another of them. By default every
// script and stylesheet directly in the root is an entry, but one that another imports
// (`app.ts` → `./app.css`, `./format.js`) is a module of that entry: built once, through it,
// and not a second entry with its own output and its own copy of every error.
//
// esbuild parses the candidates (a real parser: imports in comments and strings do not
// count) with every import left external, so nothing else is read; each import that
// resolves to another candidate is an edge. Entries are then the candidates nothing
// imports, and those that no such entry reaches (a cycle with no way in keeps its files).
import fs from 'node:fs'
import path from 'node:path'
import type * as esbuild from 'esbuild'
import { esbuildPackage } from './packages.js'

/** What esbuild can parse without Kiln's compilers (Sass and Less candidates are only ever targets). */
const PARSED = /\.(m?js|jsx|ts|tsx|css)$/i
/** Import kinds that make a file part of another's graph (not url() references). */
const KINDS = new Set<esbuild.ImportKind>(['import-statement', 'require-call', 'dynamic-import', 'require-resolve', 'import-rule', 'composes-from'])
const RESOLVING = 'kiln-entry-imports'

/**
 * Whether any candidate's text names a sibling as a relative import would: when none does, no
 * import can join them, and esbuild need not start (a build whose compile is cached stays
 * free of it). In a script only a relative specifier counts (the plugin below resolves
 * nothing else), so each quoted './…' or '../…' string is resolved and must land in a
 * candidate's directory on a candidate's name ('./lib/app.css' beside an app.ts does not:
 * matching the bare name there started esbuild on every no-op of such apps). A stylesheet's
 * @import and url() need no './', so there any mention of a name counts. An `index` file may
 * be imported as "./", so its presence always means a scan.
 */
function mayImportEachOther(parsed: string[], candidates: string[]): boolean {
  const stemOf = (name: string) => name.replace(/\.[^.]+$/, '')
  const stems = [...new Set(candidates.map((c) => stemOf(path.basename(c))))]
  if (stems.includes('index')) return true
  const names = new Set(stems)
  const dirs = new Set(candidates.map((c) => path.dirname(c)))
  const escaped = stems.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')
  const style = new RegExp(`[/'"(]\\s*(?:${escaped})[.'"?#)]`)
  const sibling = (file: string, spec: string) => {
    const target = path.resolve(path.dirname(file), spec.replace(/[?#].*$/, ''))
    const base = path.basename(target)
    return dirs.has(path.dirname(target)) && (names.has(base) || names.has(stemOf(base)))
  }
  return parsed.some((file) => {
    let text: string
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch {
      return true
    }
    if (/\.css$/i.test(file)) return style.test(text)
    // A backslash in a specifier is an escape esbuild decodes and this does not: scan to be sure.
    for (const m of text.matchAll(/(['"`])(\.\.?(?:\/[^'"`\n]*)?)\1/g)) if (m[2]!.includes('\\') || sibling(file, m[2]!)) return true
    return false
  })
}

/** The candidates (absolute paths) that another candidate imports and that are not needed as entries. */
export async function importedCandidates(candidates: string[], cwd: string): Promise<Set<string>> {
  const parsed = candidates.filter((c) => PARSED.test(c))
  if (candidates.length < 2 || parsed.length === 0 || !mayImportEachOther(parsed, candidates)) return new Set()
  const known = new Set(candidates)
  const roots = new Set(candidates.map((c) => path.dirname(c)))
  const edges = new Map<string, Set<string>>()
  const plugin: esbuild.Plugin = {
    name: 'kiln-entry-imports',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === 'entry-point' || args.pluginData === RESOLVING) return undefined
        // Only a path that can land directly in the root is resolved; everything stays external.
        if (KINDS.has(args.kind) && /^\.\.?(\/|$)/.test(args.path) && roots.has(path.dirname(path.resolve(args.resolveDir, args.path.replace(/[?#].*$/, ''))))) {
          const r = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: RESOLVING })
          if (!r.errors.length && known.has(r.path) && r.path !== args.importer) {
            const set = edges.get(args.importer) ?? new Set()
            set.add(r.path)
            edges.set(args.importer, set)
          }
        }
        return { path: args.path, external: true }
      })
    },
  }
  const { build } = esbuildPackage()
  try {
    await build({
      absWorkingDir: cwd,
      entryPoints: parsed.map((file, i) => ({ in: file, out: String(i) })),
      outdir: path.join(cwd, '.kiln-entry-scan'),
      bundle: true,
      write: false,
      // The output is thrown away; indented, a stylesheet nested n deep prints n² bytes (40,000 deep: 3 GB, and esbuild dies).
      minifyWhitespace: true,
      jsx: 'preserve',
      logLevel: 'silent',
      plugins: [plugin],
    })
  } catch {
    // A file esbuild cannot parse: the edges found in the others still count; the compile reports the error once.
  }
  const imported = new Set([...edges.values()].flatMap((s) => [...s]))
  // Entries: nothing imports them. Everything they reach is a module; what none reaches (a cycle) stays an entry.
  const reached = new Set<string>()
  const visit = (file: string) => {
    for (const next of edges.get(file) ?? []) {
      if (reached.has(next)) continue
      reached.add(next)
      visit(next)
    }
  }
  for (const c of candidates) if (!imported.has(c)) visit(c)
  return reached
}
