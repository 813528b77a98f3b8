// Temp files: always in the same directory as their destination (so rename is atomic)
// and recognisable by name, so a later build can remove what a killed one left behind.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { filesUnder } from './walk.js'

export const TEMP_MARK = '.kiln-tmp'

export function tempPath(dest: string): string {
  return path.join(path.dirname(dest), `.${path.basename(dest)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}${TEMP_MARK}`)
}

export function isTempFile(name: string): boolean {
  return name.endsWith(TEMP_MARK)
}

/** Removes temp files anywhere under the directory: only a dead writer can have left them. */
export function sweepTemps(dir: string): number {
  const temps = filesUnder(dir).filter((f) => isTempFile(path.basename(f)))
  for (const t of temps) fs.rmSync(t, { force: true })
  return temps.length
}
