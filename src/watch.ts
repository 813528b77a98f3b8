// kiln watch: a build, then a rebuild whenever sources, static files, the config, the
// browserslist, the PostCSS/Tailwind config or the mode's .env files change (debounced). It
// builds in the mode --mode names, production unless told, like kiln build. Each rebuild is an ordinary build: the
// cache skips unchanged compile units, esbuild rebuilds from its incremental context, the manifest is swapped atomically, a failed build
// leaves the last good one, and nothing is ever deleted. Stopping waits for a build in
// flight to finish, so no temp file is left behind.
import fs from 'node:fs'
import { statIfAny } from './walk.js'
import path from 'node:path'
import { build, type BuildResult } from './build.js'
import { resolveConfig, type BuildOptions } from './config.js'
import { KilnError } from './diagnostics.js'
import { BuildSession } from './session.js'
import { STYLE_CONFIG_NAMES } from './compilers/postcss-config.js'
import { inputsOutsideRoot } from './compile.js'
import { envFileNames } from './transforms/env.js'

export interface WatchHandle {
  /** Resolves once the watcher has stopped and no build is running. */
  stop(): Promise<void>
  /** Resolves after the next build completes (for tests and tools). */
  settled(): Promise<void>
}

export interface WatchEvents {
  onBuild?: (r: BuildResult) => void
  onError?: (e: KilnError) => void
  debounceMs?: number
}

/** Directories outside the root watched at most (each is one inotify watch). */
const MAX_EXTRA_DIRS = 1000

const PROJECT_FILES = new Set(['package.json', '.browserslistrc', 'browserslist', 'tsconfig.json', 'jsconfig.json', 'kiln.config.mjs', 'kiln.config.js', 'kiln.config.json',
  ...STYLE_CONFIG_NAMES])

export async function watch(options: BuildOptions, events: WatchEvents = {}): Promise<WatchHandle> {
  const config = await resolveConfig(options)
  const session = new BuildSession()
  const ignored = [config.outDir, path.resolve(config.cwd, config.cacheDir)].map((d) => d + path.sep)
  let running: Promise<void> | null = null
  let dirty = false
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let waiters: (() => void)[] = []

  const once = async () => {
    try {
      events.onBuild?.(await build({ ...options, session }))
    } catch (err) {
      if (!(err instanceof KilnError)) throw err
      events.onError?.(err)
    } finally {
      if (!stopped) follow(inputsOutsideRoot(session))
    }
  }
  const run = () => {
    if (stopped) return
    if (running) {
      dirty = true
      return
    }
    running = once().finally(() => {
      running = null
      const w = waiters
      waiters = []
      w.forEach((f) => f())
      if (dirty && !stopped) {
        dirty = false
        run()
      }
    })
  }
  const changed = (file: string | null) => {
    if (file && ignored.some((d) => file.startsWith(d))) return
    clearTimeout(timer)
    timer = setTimeout(run, events.debounceMs ?? 100)
  }

  const watchers: fs.FSWatcher[] = []
  const root = config.rootDir
  if (fs.existsSync(root)) watchers.push(fs.watch(root, { recursive: true }, (_e, f) => changed(f ? path.join(root, f.toString()) : null)))
  // .env files of the mode: their public variables are compiled into the scripts.
  const envFiles = new Set(envFileNames(config.mode))
  watchers.push(fs.watch(config.cwd, (_e, f) => {
    const name = f?.toString()
    if (name && (PROJECT_FILES.has(name) || envFiles.has(name) || inExtra(config.cwd, name) || (config.configFile && path.join(config.cwd, name) === config.configFile))) changed(path.join(config.cwd, name))
  }))
  // Files a build read outside the root (Tailwind's sources in views/, a module in ../shared):
  // their directories are watched too, each change filtered to the names that were read.
  const extra = new Map<string, Set<string> | 'all'>()
  const inExtra = (dir: string, name: string) => {
    const names = extra.get(dir)
    return names === 'all' || (names?.has(name) ?? false)
  }
  const follow = (paths: string[]) => {
    for (const p of paths) {
      const isDir = statIfAny(p)?.isDirectory() ?? false
      const dir = isDir ? p : path.dirname(p)
      const known = extra.get(dir)
      if (known === 'all') continue
      if (isDir) extra.set(dir, 'all')
      else if (known) known.add(path.basename(p))
      else extra.set(dir, new Set([path.basename(p)]))
      if (known || dir === config.cwd || extra.size > MAX_EXTRA_DIRS) continue
      try {
        watchers.push(fs.watch(dir, (_e, f) => {
          const name = f?.toString()
          if (!name || inExtra(dir, name)) changed(name ? path.join(dir, name) : null)
        }))
      } catch {
        // gone since the build read it; the next build that reads it again watches it
      }
    }
  }
  run()
  return {
    async stop() {
      stopped = true
      clearTimeout(timer)
      for (const w of watchers) w.close()
      await running
      await session.dispose()
    },
    settled: () => new Promise<void>((resolve) => (running ? waiters.push(resolve) : resolve())),
  }
}
