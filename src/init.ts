// kiln init: scaffolds Kiln into a project from templates/init/. Always a kiln.config.mjs
// and package.json scripts; on request CI, Docker, buildpack and server templates. It
// never overwrites an existing file (or script) without `force`, and says what it did.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { usageError } from './diagnostics.js'
import { closest } from './runtime/closest.js'
import { filesUnder } from './walk.js'

const TEMPLATES_DIR = fileURLToPath(new URL('../templates/init/', import.meta.url))
export const TEMPLATES = ['github-actions', 'gitlab-ci', 'dockerfile', 'buildpack', 'express', 'fastify'] as const
const SCRIPTS = { 'build:assets': 'kiln build', 'heroku-postbuild': 'kiln build' }

export interface InitOptions {
  cwd?: string
  templates?: string[]
  force?: boolean
}

export interface InitResult {
  wrote: string[]
  skipped: string[]
}

export function init(options: InitOptions = {}): InitResult {
  const cwd = path.resolve(options.cwd ?? process.cwd())
  const chosen = [...new Set(options.templates ?? [])]
  for (const t of chosen) {
    if (!(TEMPLATES as readonly string[]).includes(t)) {
      const near = closest(t, TEMPLATES)
      throw usageError(`Unknown template "${t}"`, near.length ? `did you mean "${near[0]}"? (templates: ${TEMPLATES.join(', ')})` : `templates: ${TEMPLATES.join(', ')}`)
    }
  }
  const result: InitResult = { wrote: [], skipped: [] }
  for (const name of ['base', ...chosen]) copyTree(path.join(TEMPLATES_DIR, name), cwd, !!options.force, result)
  addScripts(cwd, !!options.force, result)
  return result
}

function copyTree(from: string, to: string, force: boolean, result: InitResult) {
  for (const src of filesUnder(from)) {
    const rel = path.relative(from, src)
    const dest = path.join(to, rel)
    const shown = rel.split(path.sep).join('/')
    if (fs.existsSync(dest) && !force) {
      result.skipped.push(`${shown} (exists; --force replaces it)`)
      continue
    }
    fs.mkdirSync(path.dirname(dest), { recursive: true })
    fs.copyFileSync(src, dest)
    fs.chmodSync(dest, fs.statSync(src).mode & 0o777)
    result.wrote.push(shown)
  }
}

function addScripts(cwd: string, force: boolean, result: InitResult) {
  const file = path.join(cwd, 'package.json')
  if (!fs.existsSync(file)) {
    result.skipped.push('package.json scripts (no package.json here; run npm init first)')
    return
  }
  const text = fs.readFileSync(file, 'utf8')
  const pkg = JSON.parse(text) as { scripts?: Record<string, string> }
  pkg.scripts ??= {}
  let changed = false
  for (const [name, command] of Object.entries(SCRIPTS)) {
    if (pkg.scripts[name] === command) continue
    if (pkg.scripts[name] !== undefined && !force) {
      result.skipped.push(`package.json script "${name}" (it is "${pkg.scripts[name]}"; --force replaces it)`)
      continue
    }
    pkg.scripts[name] = command
    result.wrote.push(`package.json script "${name}": ${command}`)
    changed = true
  }
  const indent = /^\{\n( +|\t)/.exec(text)?.[1] ?? '  '
  if (changed) fs.writeFileSync(file, JSON.stringify(pkg, null, indent) + '\n')
}
