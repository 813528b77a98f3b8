// Files that decided how the sources resolved without being sources themselves: the
// tsconfig.json/jsconfig.json nearest each source (and what it extends: `paths`, `baseUrl`,
// `jsx`) and the package.json of every package a module came from (`main`, `exports`,
// `browser`, `sideEffects`, `type`). Editing one changes the output as surely as editing a
// source, so each is a compile input: checked by the cache and watched by kiln watch. The
// places where such a file would be looked for and is not are inputs too (recorded as
// absent): a tsconfig.json that appears there changes resolution as much as an edit.
import fs from 'node:fs'
import path from 'node:path'
import { statIfAny } from './walk.js'

const CONFIGS = ['tsconfig.json', 'jsconfig.json']

/**
 * For each file read: the package.json and tsconfig/jsconfig files in its directory and each
 * one above, up to the project root (inside it) or up to the package that holds it (outside
 * it, or in node_modules), plus the files those configs extend; found or not.
 */
export function resolutionInputs(files: Iterable<string>, projectRoot: string): string[] {
  const found = new Set<string>()
  const seenDirs = new Set<string>()
  for (const file of files) {
    const inNodeModules = file.split(path.sep).includes('node_modules')
    const inside = !inNodeModules && (file === projectRoot || file.startsWith(projectRoot + path.sep))
    for (let dir = path.dirname(file); !seenDirs.has(dir); dir = path.dirname(dir)) {
      seenDirs.add(dir)
      const pkg = path.join(dir, 'package.json')
      const hasPkg = isFile(pkg)
      found.add(pkg)
      for (const name of CONFIGS) {
        const config = path.join(dir, name)
        if (isFile(config)) addExtended(config, found)
        else found.add(config)
      }
      // Inside the project, every level up to its root can hold a config that applies; a
      // package elsewhere (a workspace link, node_modules) ends at its own package.json.
      if (inside ? dir === projectRoot : hasPkg) break
      if (path.dirname(dir) === dir) break
    }
  }
  return [...found]
}

function isFile(p: string): boolean {
  // The files include paths a url() or import named that lead nowhere (through a file, too long, a loop).
  return statIfAny(p)?.isFile() ?? false
}

/** A tsconfig and, transitively, the relative files it `extends` (package presets are covered by lockfiles). */
function addExtended(config: string, found: Set<string>): void {
  if (found.has(config)) return
  found.add(config)
  let parsed: { extends?: unknown }
  try {
    parsed = JSON.parse(stripJsonComments(fs.readFileSync(config, 'utf8')))
  } catch {
    return // esbuild reports a broken tsconfig itself; it is an input either way
  }
  const bases = Array.isArray(parsed.extends) ? parsed.extends : [parsed.extends]
  for (const base of bases) {
    if (typeof base !== 'string' || !/^\.{1,2}[/\\]/.test(base)) continue
    const target = path.resolve(path.dirname(config), base)
    for (const candidate of [target, `${target}.json`, path.join(target, 'tsconfig.json')]) {
      if (isFile(candidate)) {
        addExtended(candidate, found)
        break
      }
    }
  }
}

/** tsconfig files are JSONC: drop comments and trailing commas, leaving strings alone. */
function stripJsonComments(text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '"') {
      const end = closingQuote(text, i)
      out += text.slice(i, end + 1)
      i = end
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++
      out += '\n'
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2)
      i = end < 0 ? text.length : end + 1
    } else out += c
  }
  return out.replace(/,(\s*[}\]])/g, '$1')
}

function closingQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++
    else if (text[i] === '"') return i
  }
  return text.length - 1
}
