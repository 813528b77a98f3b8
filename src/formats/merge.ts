// What every compatibility format shares: the shape of a format, deterministic JSON, and
// the merge into a file another tool may also write (Django's collectstatic, Rails'
// assets:precompile): its entries stay, Kiln's own are replaced, and the result is written
// atomically (temp file, fsync, rename, directory fsync) and only when it changed.
import fs from 'node:fs'
import type { Manifest } from '../manifest.js'
import { writeAtomic } from '../output.js'
import type { NameTable } from './names.js'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type JsonObject = { [key: string]: Json }

export interface Format {
  /** Where it is written, relative to the artifact directory. */
  file: string
  /** What a reader knows it by, for messages: "the Sprockets manifest". */
  title: string
  /** The compatibility manifest of one Kiln build: a pure function of Kiln's manifest. */
  create(names: NameTable, manifest: Manifest): JsonObject
  /**
   * `ours` merged into what is on disk. `own(file)` says whether a file is one Kiln wrote
   * (listed by a Kiln manifest): entries pointing at such files are Kiln's and are replaced.
   * Returns null when `existing` is not this format at all.
   */
  merge(existing: unknown, ours: JsonObject, own: (file: string) => boolean): JsonObject | null
  /** Every name → file a parsed compatibility manifest maps (chunk keys included), or null when it is not this format. */
  entries(data: unknown): [string, string][] | null
  /** Top-level keys whose values verify does not compare with Kiln's (version stamps that another writer may set). */
  unchecked?: readonly string[]
  /** The command that writes this file anew, dropping Kiln's entries (so Kiln must run after it). */
  rewrittenBy?: string
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Keys sorted at every level, arrays in order, two-space indent, a final newline: the same bytes for the same content. */
export function stableJson(v: Json): string {
  return JSON.stringify(sortKeys(v), null, 2) + '\n'
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (v && typeof v === 'object') {
    const out: JsonObject = {}
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]!)
    return out
  }
  return v
}

/** Keeps the entries of `existing` for which `keep` holds, then lays `ours` over them. */
export function mergeRecords(existing: Record<string, unknown>, ours: JsonObject, keep: (key: string, value: unknown) => boolean): JsonObject {
  const out: JsonObject = {}
  for (const [k, v] of Object.entries(existing)) if (!(k in ours) && keep(k, v)) out[k] = v as Json
  return Object.assign(out, ours)
}

export type Existing = { state: 'none' } | { state: 'json'; data: unknown; text: string } | { state: 'broken'; reason: string }

/** The file as another tool (or an earlier build) left it. */
export function readExisting(file: string): Existing {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'none' }
    throw err
  }
  try {
    return { state: 'json', data: JSON.parse(text) as unknown, text }
  } catch (err) {
    return { state: 'broken', reason: `not valid JSON (${(err as Error).message})` }
  }
}

/** Writes `text` to `file` atomically and durably, unless the file already holds exactly it. Returns whether it wrote. */
export async function writeIfChanged(file: string, text: string, existing: Existing): Promise<boolean> {
  if (existing.state === 'json' && existing.text === text) return false
  await writeAtomic(file, text, true)
  return true
}
