// The project root: like npm, git and Vite, `kiln` run in a subdirectory of an app works
// from the app. It is the nearest directory, walking up from where kiln was started, that
// has a kiln.config.* or a package.json; with neither anywhere above, the start directory.
import fs from 'node:fs'
import path from 'node:path'
import { CONFIG_NAMES } from './config-file.js'

export interface ProjectRoot {
  dir: string
  /** How `dir` was chosen, as a phrase for `--verbose` ("package.json found in …"). */
  reason: string
}

const MARKERS = [...CONFIG_NAMES, 'package.json']

export function findProjectRoot(start: string): ProjectRoot {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const marker = MARKERS.find((name) => isFile(path.join(dir, name)))
    if (marker) return { dir, reason: dir === start ? `${marker} in the working directory` : `${marker} found above ${start}` }
    if (path.dirname(dir) === dir) break
  }
  return { dir: start, reason: `no kiln.config.* or package.json in ${start} or above; using the working directory` }
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile()
  } catch {
    // Missing or unreadable: not a marker; an unreadable one is reported when it is read.
    return false
  }
}
