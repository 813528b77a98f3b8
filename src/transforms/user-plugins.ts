// The config's `esbuild.plugins`, passed to esbuild as they are, each wrapped so that a
// failure is an error with a place: a callback that throws becomes an esbuild error at the
// import that triggered it (with the plugin's own frame as a note), a setup() that throws an
// error at the frame that threw it, every message is prefixed with the plugin's name, and
// the files a plugin says it read (`watchFiles`) are compile inputs (the cache and kiln watch
// see them).
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type * as esbuild from 'esbuild'

export function wrapUserPlugins(plugins: readonly esbuild.Plugin[], inputs: () => Set<string>, configFile: string | null): esbuild.Plugin[] {
  return plugins.map((plugin, index) => wrap(plugin, index, inputs, configFile))
}

function wrap(plugin: esbuild.Plugin, index: number, inputs: () => Set<string>, configFile: string | null): esbuild.Plugin {
  const name = plugin.name
  const tag = (m: esbuild.PartialMessage): esbuild.PartialMessage => (m.text?.startsWith(`[plugin ${name}]`) ? m : { ...m, text: `[plugin ${name}] ${m.text ?? ''}` })
  const failure = (err: unknown, what: string, located: boolean): esbuild.PartialMessage => {
    const frame = frameOf(err)
    const notes: esbuild.PartialNote[] = [{ text: `${what} of esbuild plugin "${name}" (esbuild.plugins[${index}]${configFile ? ` in ${path.basename(configFile)}` : ''}) threw` }]
    if (frame && located) notes.push({ text: 'thrown here', location: frame })
    return { text: `[plugin ${name}] ${err instanceof Error ? err.message : String(err)}`, location: located ? null : frame, notes, detail: err }
  }
  const track = (r: { watchFiles?: string[]; watchDirs?: string[] } | null | undefined) => {
    for (const f of r?.watchFiles ?? []) inputs().add(f)
  }
  const result = <T extends { errors?: esbuild.PartialMessage[]; warnings?: esbuild.PartialMessage[] }>(r: T): T =>
    ({ ...r, ...(r.errors ? { errors: r.errors.map(tag) } : {}), ...(r.warnings ? { warnings: r.warnings.map(tag) } : {}) })
  return {
    name,
    async setup(build) {
      const wrapped: esbuild.PluginBuild = Object.create(build) as esbuild.PluginBuild
      wrapped.onResolve = (options, callback) => build.onResolve(options, async (args) => {
        try {
          const r = await callback(args)
          if (!r) return r
          track(r)
          return result(r)
        } catch (err) {
          // No location: esbuild puts the error at the import (file:line) that triggered it.
          return { errors: [failure(err, `onResolve for "${args.path}"`, true)] }
        }
      })
      wrapped.onLoad = (options, callback) => build.onLoad(options, async (args) => {
        try {
          const r = await callback(args)
          if (!r) return r
          track(r)
          return result(r)
        } catch (err) {
          const own = locationIn(err, args.path)
          if (own) return { errors: [{ ...failure(err, `onLoad of ${path.basename(args.path)}`, true), location: own }] }
          return { errors: [failure(err, `onLoad of ${path.basename(args.path)}`, true)], watchFiles: [args.path] }
        }
      })
      wrapped.onStart = (callback) => build.onStart(async () => {
        try {
          const r = await callback()
          return r ? result(r) : r
        } catch (err) {
          return { errors: [failure(err, 'onStart', false)] }
        }
      })
      wrapped.onEnd = (callback) => build.onEnd(async (res) => {
        try {
          const r = await callback(res)
          return r ? result(r) : r
        } catch (err) {
          return { errors: [failure(err, 'onEnd', false)] }
        }
      })
      try {
        await plugin.setup(wrapped)
      } catch (err) {
        // esbuild would place it in its own source; a build that starts reports it at the frame that threw.
        const message = failure(err, 'setup()', false)
        build.onStart(() => ({ errors: [message] }))
      }
    },
  }
}

/** The first stack frame outside esbuild's own code: where a plugin (or the config) threw. */
function frameOf(err: unknown): esbuild.PartialMessage['location'] {
  const stack = err instanceof Error ? (err.stack ?? '') : ''
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:file:\/\/)?\/[^():]+|[A-Za-z]:\\[^():]+):(\d+):(\d+)\)?\s*$/.exec(line)
    if (!m) continue
    const file = m[1]!.startsWith('file:') ? fileURLToPath(m[1]!) : m[1]!
    if (/[\\/]node_modules[\\/]esbuild[\\/]/.test(file) || file.includes(`${path.sep}transforms${path.sep}user-plugins.`)) continue
    return { file, line: Number(m[2]), column: Number(m[3]) - 1 }
  }
  return null
}

/** A compiler's error often says where in the file it failed: `loc`, `line`/`column`, svelte's `start`. */
function locationIn(err: unknown, file: string): esbuild.PartialMessage['location'] {
  if (err === null || typeof err !== 'object') return null
  const e = err as { loc?: { line?: unknown; column?: unknown }; start?: { line?: unknown; column?: unknown }; line?: unknown; column?: unknown; file?: unknown; filename?: unknown }
  const pos = e.loc ?? e.start ?? e
  if (typeof pos.line !== 'number') return null
  const where = typeof e.file === 'string' ? e.file : typeof e.filename === 'string' ? e.filename : file
  return { file: path.resolve(path.dirname(file), where), line: pos.line, column: typeof pos.column === 'number' ? pos.column : 0 }
}
