// One remote cache entry, one object: a header line, the unit's record as JSON (entries,
// outputs' names, sizes and integrity, warnings; every path relative to the project or
// the artifact directory), then each output's bytes in the record's order:
//
//   kiln-cache-entry 1 <sha256 hex of everything after this line> <bytes of the JSON>\n
//
// Reading checks everything before anything is used: the checksum (corruption,
// truncation), the content key written inside (an entry copied under another key), the
// record's shape, output names that stay inside the artifact directory, and each output's
// bytes against its sha384 integrity. The checksum catches accidents, not a malicious
// writer: who can write the prefix can put code into builds (README, "Remote build cache").
import type { CompiledEntry } from '../compilers/types.js'
import type { CompiledFile, CompileRecord } from '../cache.js'
import type { Message } from '../diagnostics.js'
import { integrity, sha256Hex } from '../fingerprint.js'

const MAGIC = 'kiln-cache-entry 1'

export interface Entry {
  /** As CompileRecord.statics: paths relative to the project root, each one of the unit's inputs. */
  statics: string[]
  entries: CompiledEntry[]
  files: CompiledFile[]
  warnings: Message[]
  bytes: Map<string, Buffer>
}

export function encodeEntry(contentKey: string, record: CompileRecord, bytes: Map<string, Buffer>): Buffer {
  const files = record.files.map(({ file, size, integrity }) => ({ file, size, integrity }))
  const json = Buffer.from(JSON.stringify({ key: contentKey, statics: record.statics ?? [], entries: record.entries, files, warnings: record.warnings }))
  const body = Buffer.concat([json, ...files.map((f) => bytes.get(f.file)!)])
  return Buffer.concat([Buffer.from(`${MAGIC} ${sha256Hex(body)} ${json.length}\n`), body])
}

/** The entry, or what is wrong with it (shown in the warning). */
export function decodeEntry(object: Buffer, contentKey: string, inputs: ReadonlySet<string>): Entry | { problem: string } {
  const nl = object.indexOf(0x0a)
  const header = nl > 0 && nl < 200 ? /^kiln-cache-entry 1 ([0-9a-f]{64}) (\d+)$/.exec(object.subarray(0, nl).toString('latin1')) : null
  if (!header) return { problem: 'it is not a Kiln cache entry (no header)' }
  const body = object.subarray(nl + 1)
  if (sha256Hex(body) !== header[1]) return { problem: 'its checksum does not match (corrupt or truncated)' }
  const jsonLength = Number(header[2])
  let record: { key?: unknown; statics?: unknown; entries?: unknown; files?: unknown; warnings?: unknown }
  try {
    record = JSON.parse(body.subarray(0, jsonLength).toString('utf8')) as typeof record
  } catch {
    return { problem: 'its record is not JSON' }
  }
  if (record?.key !== contentKey) return { problem: 'it was stored for other sources (its key does not match)' }
  if (!isFiles(record.files) || !isEntries(record.entries, record.files) || !isWarnings(record.warnings)) return { problem: 'its record is malformed' }
  // A file the outputs name must be one the unit read: an entry cannot pull any other file of this machine into the artifact.
  const statics = record.statics ?? []
  if (!Array.isArray(statics) || !statics.every((s) => typeof s === 'string' && inputs.has(s))) return { problem: 'its record names files its sources did not read' }
  if (jsonLength + record.files.reduce((n, f) => n + f.size, 0) !== body.length) return { problem: 'its length does not match its record' }
  const bytes = new Map<string, Buffer>()
  let at = jsonLength
  for (const f of record.files) {
    const data = body.subarray(at, (at += f.size))
    if (integrity(data) !== f.integrity) return { problem: `${f.file} does not match its integrity` }
    bytes.set(f.file, Buffer.from(data))
  }
  return { statics: statics as string[], entries: record.entries, files: record.files, warnings: record.warnings, bytes }
}

/** An output's name is written under the artifact directory (and the local cache): relative, no . or .. segment. */
function safeName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.length < 1024 && !/[\\\0]/.test(name) && name.split('/').every((s) => s !== '' && s !== '.' && s !== '..')
}

function isFiles(v: unknown): v is CompiledFile[] {
  return Array.isArray(v) && v.every((f: Partial<CompiledFile>) => f !== null && typeof f === 'object' && safeName(f.file) && Number.isSafeInteger(f.size) && f.size! >= 0 && typeof f.integrity === 'string')
    && new Set(v.map((f: CompiledFile) => f.file)).size === v.length
}

/** Every name an entry gives is one of the unit's outputs. */
function isEntries(v: unknown, files: CompiledFile[]): v is CompiledEntry[] {
  const names = new Set(files.map((f) => f.file))
  const lists = (e: CompiledEntry) => [e.css, e.imports, e.dynamicImports].every((l) => l === undefined || (Array.isArray(l) && l.every((n) => names.has(n))))
  return Array.isArray(v) && v.every((e: CompiledEntry) => e !== null && typeof e === 'object' && typeof e.logical === 'string' && names.has(e.file) && (e.map === undefined || names.has(e.map)) && lists(e))
}

function isWarnings(v: unknown): v is Message[] {
  return Array.isArray(v) && v.every((m: Message) => m !== null && typeof m === 'object' && typeof m.text === 'string' && (m.location === null || typeof m.location === 'object') && Array.isArray(m.notes))
}

