// esbuild's messages already have Kiln's shape; paths become display paths, and an
// import esbuild "Could not resolve" gets a hint: the nearest existing file for a relative
// path, or the install command for a package that is not installed.
import fs from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'
import type * as esbuild from 'esbuild'
import { displayPath, type Location, type Message, type Note } from '../diagnostics.js'
import { packageInstalled, packageName, suggestPath } from '../suggest.js'

/** `workDir`: esbuild's working directory, which the relative paths in its messages are relative to. */
function location(loc: esbuild.Location | null, cwd: string, workDir: string): Location | null {
  if (!loc) return null
  const file = loc.file && (!loc.namespace || loc.namespace === 'file') ? displayPath(path.resolve(workDir, loc.file), cwd) : loc.file
  return { file, line: loc.line, column: loc.column, lineText: loc.lineText, suggestion: loc.suggestion || undefined }
}

/**
 * `root`: the source root, where a file with the right name may be found when the path is wrong.
 * `workDir`: the build's absWorkingDir (default `cwd`); paths are printed relative to `cwd`.
 */
export function fromEsbuild(m: esbuild.Message, cwd: string, root?: string, workDir = cwd): Message {
  if (m.location && INSIDE_ESBUILD.test(m.location.file)) return pluginCrash(m)
  const notes: Note[] = m.notes.map((n) => ({ text: n.text, location: location(n.location, cwd, workDir) }))
  return { text: m.text, location: location(m.location, cwd, workDir), notes: unresolvedHints(m, cwd, root, workDir) ?? notes }
}

const INSIDE_ESBUILD = /[\\/]node_modules[\\/]esbuild[\\/]/

/**
 * A plugin that threw instead of returning an error: esbuild places the message at the frame
 * in its own code that called the plugin, with the stack as the line. Neither is about the
 * user's files; the message is kept, without them.
 */
function pluginCrash(m: esbuild.Message): Message {
  const who = m.pluginName ? `the esbuild plugin "${m.pluginName}"` : 'an esbuild plugin'
  return { text: m.text, location: null, notes: [{ text: `${who} failed on this input instead of reporting an error; please report it with the file that caused it` }] }
}

const UNRESOLVED = /^Could not resolve "(.+)"$/
const STYLE = /\.css$/i
const LOCAL_EXTS = ['', '.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts', '.css', '.json']

/**
 * Notes for "Could not resolve": esbuild's own ("You can mark the path as external …")
 * names an option Kiln does not have, so it is replaced. Null for any other message.
 */
function unresolvedHints(m: esbuild.Message, cwd: string, root: string | undefined, workDir: string): Note[] | null {
  const spec = UNRESOLVED.exec(m.text)?.[1]
  if (!spec || !m.location?.file || m.location.namespace && m.location.namespace !== 'file') return null
  const importer = path.resolve(workDir, m.location.file)
  const dir = path.dirname(importer)
  const others = m.notes.filter((n) => !/as external to exclude it from the bundle/.test(n.text)).map((n) => ({ text: n.text, location: location(n.location, cwd, workDir) }))
  if (spec.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(spec)) return others
  // In a stylesheet every url() and @import is relative, with or without "./".
  const style = STYLE.test(importer)
  if (style || spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../')) {
    const clean = spec.replace(/[?#].*$/, '')
    const near = suggestPath(clean, dir, style && !/@import/i.test(m.location.lineText) ? 'file' : 'module', root)
    return near ? [{ text: `did you mean "${near}"?` }, ...others] : others
  }
  const name = packageName(spec)
  if (builtinModules.includes(name) || packageInstalled(name, dir)) return others
  // A bare name that is a file beside the importer is not a missing package (esbuild says to write "./").
  if (LOCAL_EXTS.some((ext) => fs.existsSync(path.join(dir, spec + ext)))) return others
  return [{ text: `is "${name}" installed? (npm install ${name})` }, ...others]
}

/** The messages of an esbuild failure, or null when `err` is something else. */
export function esbuildFailure(err: unknown): esbuild.Message[] | null {
  const e = err as { errors?: esbuild.Message[] }
  return Array.isArray(e?.errors) && e.errors.length ? withReasons(e.errors) : null
}

const UNREADABLE = /^Cannot read (?:directory|file) "(.*)": (.*)$/
const REASONS: Record<string, string> = {
  'not a directory': 'is a file, not a directory',
  'too many levels of symbolic links': 'is a symbolic link loop',
  'file name too long': 'has a name too long for the file system',
  'invalid argument': 'is not a valid file name',
}

/**
 * On the way to an import, esbuild reports a directory it cannot read ("Cannot read directory
 * "x": not a directory") with no location, beside the "Could not resolve" at the import: the
 * reason becomes a note of that error, so every message has its file:line:col.
 */
function withReasons(messages: esbuild.Message[]): esbuild.Message[] {
  const reasons = messages.filter((m) => !m.location && UNREADABLE.test(m.text))
  const located = messages.filter((m) => m.location && UNRESOLVED.test(m.text))
  if (!reasons.length || !located.length) return messages
  const notes = new Map<esbuild.Message, esbuild.Note[]>()
  for (const r of reasons) {
    const [, dir, why] = UNREADABLE.exec(r.text)!
    const note: esbuild.Note = { text: `"${dir}" ${REASONS[why!] ?? `cannot be read: ${why}`}`, location: null }
    const base = path.basename(dir!)
    const targets = located.filter((m) => UNRESOLVED.exec(m.text)![1]!.includes(base))
    for (const m of targets.length ? targets : [located[0]!]) {
      const list = notes.get(m) ?? []
      if (!list.some((n) => n.text === note.text)) list.push(note)
      notes.set(m, list)
    }
  }
  return messages.filter((m) => !reasons.includes(m)).map((m) => (notes.has(m) ? { ...m, notes: [...notes.get(m)!, ...m.notes] } : m))
}
