// One build's transform state, shared by the top esbuild build and every nested build it
// starts: a worker is bundled by its own esbuild build (its own format, its own chunks), and
// a stylesheet imported with ?url or ?inline is bundled by one too. Nested builds use the
// top build's options and plugins, with Kiln's plugin given a fresh state (its onStart
// clears what it recorded) and the transforms' own plugins told where they are nested.
// Their outputs join the top build's at its end (outputs.ts), and every file they read
// becomes an input of the compile unit, so the build cache and kiln watch see them.
import path from 'node:path'
import * as esbuild from 'esbuild'
import type { TransformContext } from './context.js'

/** A nested build's result: its outputs (paths absolute, as esbuild gives them) and metafile. */
export interface Nested {
  /** The entry's output, relative to the artifact directory. */
  entry: string
  outputs: esbuild.OutputFile[]
  metafile: esbuild.Metafile
  warnings: esbuild.Message[]
}

/** A nested build that failed: esbuild's messages, reported at the reference that started it. */
export class NestedFailure extends Error {
  constructor(readonly errors: esbuild.PartialMessage[], readonly warnings: esbuild.PartialMessage[]) {
    super('nested build failed')
  }
}

/** Names of the transforms' plugins: nested builds replace them with instances of their own. */
export const PLUGIN_PREFIX = 'kiln:'

export class TransformRun {
  /** The top build's options (set when it starts). */
  top: esbuild.BuildOptions = {}
  /** Outputs of nested builds that are written, by absolute path. */
  readonly outputs = new Map<string, esbuild.OutputFile>()
  /** Nested builds' metafile outputs, merged into the top build's so the manifest's graph includes them. */
  readonly metaOutputs: esbuild.Metafile['outputs'] = {}
  /** A module (its metafile key) → outputs (relative to esbuild's working directory) it starts as workers: 'dynamic-import' edges in the graph. */
  readonly edges = new Map<string, Set<string>>()
  private readonly builds = new Map<string, Promise<Nested>>()

  constructor(
    readonly ctx: TransformContext,
    /** The transforms' plugins for a build nested below `ancestry` (the entries of the builds above it). */
    readonly pluginsFor: (run: TransformRun, ancestry: string[]) => esbuild.Plugin[],
  ) {}

  /** A new top build (kiln watch rebuilds too): forget the last one's nested builds. */
  start(options: esbuild.BuildOptions): void {
    this.top = options
    this.outputs.clear()
    this.builds.clear()
    this.edges.clear()
    for (const k of Object.keys(this.metaOutputs)) delete this.metaOutputs[k]
  }

  /** `importer`: a file's absolute path, or a module's metafile key ("ns:path"); `output`: relative to the artifact directory. */
  edge(importer: string, output: string): void {
    const key = path.isAbsolute(importer) ? this.relative(importer) : importer
    const set = this.edges.get(key) ?? new Set()
    set.add(this.relative(path.join(this.ctx.outDir, output)))
    this.edges.set(key, set)
  }

  /** A path as esbuild's metafile spells it: relative to its working directory, POSIX. */
  relative(abs: string): string {
    return path.relative(this.ctx.workDir, abs).split(path.sep).join('/')
  }

  /**
   * Bundles `entry` on its own (once per build for the same entry and options). `emit`: its
   * outputs are written (a worker, a stylesheet by URL); otherwise only its text is used.
   */
  nested(entry: string, ancestry: string[], overrides: esbuild.BuildOptions, emit: boolean): Promise<Nested> {
    const key = JSON.stringify([entry, overrides, emit])
    let pending = this.builds.get(key)
    if (!pending) {
      pending = this.runNested(entry, ancestry, overrides, emit)
      this.builds.set(key, pending)
    }
    return pending
  }

  private async runNested(entry: string, ancestry: string[], overrides: esbuild.BuildOptions, emit: boolean): Promise<Nested> {
    const cwd = this.ctx.workDir
    const kiln = this.ctx.kilnPlugin()
    const mine = new Map(this.pluginsFor(this, [...ancestry, entry]).map((p) => [p.name, p]))
    const plugins = (this.top.plugins ?? []).flatMap((p) => (p.name === 'kiln' ? [kiln.plugin] : p.name.startsWith(PLUGIN_PREFIX) ? (mine.has(p.name) ? [mine.get(p.name)!] : []) : [p]))
    let result: esbuild.BuildResult<{ metafile: true; write: false }>
    try {
      result = await esbuild.build({
        ...this.top,
        ...overrides,
        entryPoints: [entry],
        entryNames: 'chunks/[name]-[hash]',
        plugins,
        metafile: true,
        write: false,
        logLevel: 'silent',
      } as esbuild.BuildOptions & { metafile: true; write: false })
    } catch (err) {
      const e = err as { errors?: esbuild.Message[]; warnings?: esbuild.Message[] }
      if (!Array.isArray(e?.errors)) throw err
      throw new NestedFailure(e.errors, e.warnings ?? [])
    } finally {
      for (const i of kiln.inputs) this.ctx.addInput(i)
    }
    // Inputs in a plugin namespace ("ns:path") are virtual; the rest are files (relative to esbuild's working directory).
    for (const p of Object.keys(result.metafile.inputs)) if (!/^[a-z-]+:/.test(p)) this.ctx.addInput(path.resolve(cwd, p))
    const want = entry.endsWith('.css') || /\.(s[ac]ss|less|p?css|postcss)$/i.test(entry) ? '.css' : '.js'
    const out = Object.entries(result.metafile.outputs).find(([o, m]) => m.entryPoint && path.resolve(cwd, m.entryPoint) === entry && o.endsWith(want))
    if (!out) throw new Error(`Kiln: the nested build of ${entry} has no ${want} output`)
    if (emit) {
      for (const f of result.outputFiles) this.outputs.set(f.path, f)
      Object.assign(this.metaOutputs, result.metafile.outputs)
    }
    return { entry: path.relative(this.ctx.outDir, path.resolve(cwd, out[0])).split(path.sep).join('/'), outputs: result.outputFiles, metafile: result.metafile, warnings: result.warnings }
  }
}
