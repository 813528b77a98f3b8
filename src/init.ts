// kiln init: scaffolds Kiln into a project from templates/init/. Always kiln.config.mjs,
// .gitignore lines and package.json scripts; starter sources when assets/ is empty; on request
// a server (express, fastify, node), CI, Docker and buildpack templates. It never overwrites a
// file or script without `force`, says what it did and skipped, and returns the next commands.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildError, usageError } from './diagnostics.js'
import { closest } from './runtime/closest.js'
import { filesUnder } from './walk.js'

const TEMPLATES_DIR = fileURLToPath(new URL('../templates/init/', import.meta.url))
export const TEMPLATES = ['github-actions', 'gitlab-ci', 'dockerfile', 'buildpack', 'express', 'fastify', 'node'] as const

/** Server templates: each writes SERVER_FILE (so the Dockerfile's CMD and `start` never vary) and needs these dependencies. */
const SERVERS: Record<string, Record<string, string>> = { express: { express: '^5.1.0' }, fastify: { fastify: '^5.0.0' }, node: {} }
const SERVER_FILE = 'server.mjs'
/** Where the base config points `root`; the starters go here only while it holds no files. */
const SOURCE_ROOT = 'assets'
/** The output (base config's `out`), the cache (KILN_CACHE_DIR in the CI templates and Docker) and dependencies. */
const GITIGNORE = ['node_modules/', '.kiln-cache/', 'public/assets/']
const KILN_BUILD = 'kiln build'

export interface InitOptions {
  cwd?: string
  templates?: string[]
  force?: boolean
}

export interface InitResult {
  /** What was written, one line each (files, .gitignore lines, package.json scripts and dependencies). */
  wrote: string[]
  /** What was left alone, each with the reason. */
  skipped: string[]
  /** The commands to run next, in order: install, build, start (or verify when there is no start script). */
  next: string[]
}

interface PackageJson {
  scripts?: Record<string, string>
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  [key: string]: unknown
}

export function init(options: InitOptions = {}): InitResult {
  const cwd = path.resolve(options.cwd ?? process.cwd())
  const force = !!options.force
  const chosen = [...new Set(options.templates ?? [])]
  for (const t of chosen) {
    if (!(TEMPLATES as readonly string[]).includes(t)) {
      const near = closest(t, TEMPLATES)
      throw usageError(`Unknown template "${t}"`, near.length ? `did you mean "${near[0]}"? (templates: ${TEMPLATES.join(', ')})` : `templates: ${TEMPLATES.join(', ')}`)
    }
  }
  const servers = chosen.filter((t) => t in SERVERS)
  if (servers.length > 1) throw usageError(`Choose one server template, not ${servers.join(' and ')}`, `each writes ${SERVER_FILE}`)
  const server = servers[0]

  // Read first: a package.json init cannot parse stops it before it writes anything.
  const pkg = readPackageJson(cwd)
  const result: InitResult = { wrote: [], skipped: [], next: [] }
  const config = fs.readdirSync(cwd).find((f) => /^kiln\.config\.\w+$/.test(f) && f !== 'kiln.config.mjs')
  // Not even with --force: a second config would be ambiguous, not a replacement.
  if (config) result.skipped.push(`kiln.config.mjs (${config} is the config here)`)
  else copyTree(path.join(TEMPLATES_DIR, 'base'), cwd, force, result)
  addStarters(cwd, force, result)
  // The server first: the Dockerfile's CMD names the server file that is there once it is written.
  for (const name of [...(server ? [server] : []), ...chosen.filter((t) => t !== server)]) {
    copyTree(path.join(TEMPLATES_DIR, name), cwd, force, result, name === 'dockerfile' ? dockerfileFor(cwd) : undefined)
  }
  addGitignore(cwd, result)
  result.next = nextCommands(cwd, updatePackageJson(cwd, pkg, server, force, result))
  return result
}

/** Rewrites a template file's text as it is written; a note is shown after its name. */
type Render = (rel: string, text: string) => { text: string; note?: string }

function copyTree(from: string, to: string, force: boolean, result: InitResult, render?: Render) {
  for (const src of filesUnder(from)) {
    const shown = path.relative(from, src).split(path.sep).join('/')
    const dest = path.join(to, shown)
    if (fs.existsSync(dest) && !force) {
      result.skipped.push(`${shown} (exists; --force replaces it)`)
      continue
    }
    fs.mkdirSync(path.dirname(dest), { recursive: true })
    const rendered = render?.(shown, fs.readFileSync(src, 'utf8'))
    if (rendered) fs.writeFileSync(dest, rendered.text)
    else fs.copyFileSync(src, dest)
    fs.chmodSync(dest, fs.statSync(src).mode & 0o777)
    result.wrote.push(rendered?.note ? `${shown} (${rendered.note})` : shown)
  }
}

/** Starter sources, as a set (app.css references the image): written only into an empty (or absent) assets/. */
function addStarters(cwd: string, force: boolean, result: InitResult) {
  const from = path.join(TEMPLATES_DIR, 'starter')
  const root = path.join(cwd, SOURCE_ROOT)
  const existing = fs.existsSync(root) && fs.statSync(root).isDirectory() ? filesUnder(root) : []
  if (existing.length && !force) {
    const names = filesUnder(from).map((f) => path.relative(from, f).split(path.sep).join('/'))
    result.skipped.push(`starter sources ${names.join(', ')} (${SOURCE_ROOT}/ already has files; --force writes them)`)
    return
  }
  copyTree(from, cwd, force, result)
}

/** The Dockerfile runs the server file there is: the one init writes, else the `start` script's `node FILE`, else server.mjs. */
function dockerfileFor(cwd: string): Render {
  const start = readPackageJson(cwd)?.pkg.scripts?.start
  const file = fs.existsSync(path.join(cwd, SERVER_FILE)) ? SERVER_FILE : /^node\s+([^\s;&|]+)$/.exec(start ?? '')?.[1] ?? SERVER_FILE
  return (rel, text) => {
    if (rel !== 'Dockerfile') return { text }
    const cmd = `CMD ${JSON.stringify(['node', file]).replace(/,/g, ', ')}`
    const note = fs.existsSync(path.join(cwd, file)) ? undefined : `its CMD runs ${file}, which is not here yet: write it, or run kiln init node`
    return { text: text.replace(/^CMD \["node", "[^"]*"\]$/m, cmd), note }
  }
}

/** Appends the lines .gitignore lacks (compared without leading and trailing slashes); never rewrites what is there. */
function addGitignore(cwd: string, result: InitResult) {
  const file = path.join(cwd, '.gitignore')
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''
  const bare = (line: string) => line.trim().replace(/^\//, '').replace(/\/$/, '')
  const present = new Set(text.split(/\r?\n/).map(bare))
  const missing = GITIGNORE.filter((line) => !present.has(bare(line)))
  if (!missing.length) {
    result.skipped.push(`.gitignore (already ignores ${GITIGNORE.join(', ')})`)
    return
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n'
  const sep = text && !text.endsWith('\n') ? eol : ''
  fs.writeFileSync(file, text + sep + missing.join(eol) + eol)
  result.wrote.push(`.gitignore: ${missing.join(', ')}`)
}

/** package.json as parsed and as text (for its indentation), or null when there is none. */
function readPackageJson(cwd: string): { pkg: PackageJson; text: string } | null {
  const file = path.join(cwd, 'package.json')
  if (!fs.existsSync(file)) return null
  const text = fs.readFileSync(file, 'utf8')
  let pkg: unknown
  try {
    pkg = JSON.parse(text)
  } catch (err) {
    throw buildError(`Cannot read package.json: ${(err as Error).message}`, null, 'fix it (or remove it to have kiln init write one), then run kiln init again')
  }
  if (!pkg || typeof pkg !== 'object' || Array.isArray(pkg)) throw buildError('Cannot read package.json: it is not a JSON object')
  return { pkg: pkg as PackageJson, text }
}

/** Package name from the directory name, as npm accepts it. */
function packageName(cwd: string): string {
  return path.basename(cwd).toLowerCase().replace(/[^a-z0-9._~-]+/g, '-').replace(/^[._-]+/, '').slice(0, 214) || 'app'
}

/**
 * Creates package.json in a directory without one; otherwise adds what is missing. `build` is
 * `kiln build` unless the project already builds something else: then Kiln's script is
 * `build:assets` and `heroku-postbuild` runs both (Heroku runs `heroku-postbuild` instead of `build`).
 */
function updatePackageJson(cwd: string, read: { pkg: PackageJson; text: string } | null, server: string | undefined, force: boolean, result: InitResult): PackageJson {
  const file = path.join(cwd, 'package.json')
  const existed = read !== null
  const text = read?.text ?? ''
  const pkg: PackageJson = read?.pkg ?? { name: packageName(cwd), private: true, type: 'module' }
  const changes: string[] = []
  pkg.scripts ??= {}
  const scripts = pkg.scripts
  const userBuild = scripts.build !== undefined && !/\bkiln build\b/.test(scripts.build)
  const wanted: Record<string, string> = userBuild
    ? { 'build:assets': KILN_BUILD, 'heroku-postbuild': 'npm run build && npm run build:assets' }
    : { build: KILN_BUILD, 'heroku-postbuild': 'npm run build' }
  if (userBuild) result.skipped.push(`package.json script "build" (it is "${scripts.build}"; kept, so Kiln's build is "build:assets")`)
  if (server || fs.existsSync(path.join(cwd, SERVER_FILE))) wanted.start = `node ${SERVER_FILE}`
  for (const [name, command] of Object.entries(wanted)) {
    const current = scripts[name]
    if (current === command || (name === 'build' && current !== undefined)) continue
    if (current !== undefined && !force) {
      result.skipped.push(`package.json script "${name}" (it is "${current}"; --force replaces it)`)
      continue
    }
    scripts[name] = command
    changes.push(`package.json script "${name}": ${command}`)
  }
  for (const [name, range] of Object.entries((server && SERVERS[server]) ?? {})) {
    if (pkg.dependencies?.[name] ?? pkg.devDependencies?.[name] ?? pkg.optionalDependencies?.[name]) continue
    pkg.dependencies = { ...pkg.dependencies, [name]: range }
    changes.push(`package.json dependency "${name}": ${range}`)
  }
  if (!existed || changes.length) {
    const indent = /^\{\r?\n( +|\t)/.exec(text)?.[1] ?? '  '
    fs.writeFileSync(file, JSON.stringify(pkg, null, indent) + '\n')
  }
  if (!existed) result.wrote.push('package.json')
  result.wrote.push(...changes)
  if (existed && !changes.length) result.skipped.push(`package.json (already has the scripts${server && Object.keys(SERVERS[server] ?? {}).length ? ' and dependencies' : ''} Kiln needs)`)
  return pkg
}

/** Install, build, start: in the package manager whose lockfile is here (npm when there is none). */
function nextCommands(cwd: string, pkg: PackageJson): string[] {
  const pm = fs.existsSync(path.join(cwd, 'pnpm-lock.yaml')) ? 'pnpm' : fs.existsSync(path.join(cwd, 'yarn.lock')) ? 'yarn' : 'npm'
  const listed = ['dependencies', 'devDependencies'].some((k) => (pkg[k] as Record<string, string> | undefined)?.['kiln-assets'])
  const install = listed ? `${pm} install` : pm === 'npm' ? 'npm install -D kiln-assets' : `${pm} add -D kiln-assets`
  const scripts = pkg.scripts ?? {}
  const build = scripts.build !== undefined && /\bkiln build\b/.test(scripts.build) ? 'build' : 'build:assets'
  const verify = { npm: 'npx kiln verify', pnpm: 'pnpm exec kiln verify', yarn: 'yarn kiln verify' }[pm]
  return [install, `${pm} run ${build}`, scripts.start ? `${pm} start` : verify]
}
