// Finds and loads kiln.config.{mjs,js,json}. Errors point at the file, and at the line
// and column where one is known (JSON syntax, a config that throws).
import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildError, displayPath, locate } from './diagnostics.js'
import { validateConfig, type KilnConfig } from './options.js'

export const CONFIG_NAMES = ['kiln.config.mjs', 'kiln.config.js', 'kiln.config.json']

export function findConfig(cwd: string, explicit?: string): string | null {
  if (explicit) {
    const file = path.resolve(cwd, explicit)
    if (!fs.existsSync(file)) throw buildError(`Config file not found: ${displayPath(file, cwd)}`, null, 'check --config')
    return file
  }
  for (const name of CONFIG_NAMES) {
    const file = path.join(cwd, name)
    if (fs.existsSync(file)) return file
  }
  return null
}

export async function loadConfig(file: string, cwd: string): Promise<KilnConfig> {
  const shown = displayPath(file, cwd)
  if (file.endsWith('.json')) {
    const text = fs.readFileSync(file, 'utf8')
    try {
      return validateConfig(JSON.parse(text), shown)
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err
      const pos = /position (\d+)/.exec(err.message)
      throw buildError(`Invalid JSON in config: ${err.message}`, pos ? locate(shown, text, Number(pos[1])) : { file: shown, line: 1, column: 0 })
    }
  }
  let mod: { default?: unknown }
  try {
    // A query string makes watch-mode reloads see edits; the URL is never written anywhere.
    const stat = fs.statSync(file)
    mod = await import(`${pathToFileURL(file).href}?t=${stat.mtimeMs}`)
  } catch (err) {
    const e = err as Error
    throw buildError(`Config file failed to load: ${e.message}`, whereInStack(e, file, shown), 'fix the error in the config file or pass --config')
  }
  return validateConfig(mod.default, shown)
}

function whereInStack(err: Error, file: string, shown: string) {
  const url = pathToFileURL(file).href
  const m = new RegExp(`${escape(url)}(?:\\?[^:]*)?:(\\d+):(\\d+)`).exec(err.stack ?? '')
  return m ? { file: shown, line: Number(m[1]), column: Number(m[2]) - 1 } : { file: shown, line: 1, column: 0 }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
