// The persistent build cache (a CI cache or a buildpack's CACHE_DIR keeps it between
// builds). It only ever saves time: the state file carries a checksum and its identity
// (Kiln's version and the options), and anything that fails a check is ignored, so a
// missing, corrupt, foreign or stale cache gives exactly the bytes a cold build gives.
import fs from 'node:fs'
import path from 'node:path'
import type { Fingerprint, Variant } from './workers/asset-jobs.js'
import type { CompiledEntry } from './compilers/types.js'
import type { Message } from './diagnostics.js'
import { tempPath } from './temp.js'
import { integrity, sha256Hex } from './fingerprint.js'
import { checkInputs, type InputRecord, type InputStats } from './content-inputs.js'

// v2: compile inputs are content (content-inputs.ts), keyed without absolute paths.
const STATE = 'state-v2.json'

export interface StatKey {
  path: string
  size: number
  mtimeMs: number
  ino: number
}

export interface CachedStatic extends Fingerprint {
  variants?: Variant[]
}

export interface CompiledFile {
  file: string
  integrity: string
  size: number
  /** The variants kept for this file (those not 5% smaller are left out), and the settings they were made with. */
  variants?: Variant[]
  compress?: string
}

export interface CompileRecord {
  /** Options, targets, versions and the source listing this result holds for (no absolute path). */
  key: string
  /** Every file the compile read and every probe that found nothing (content-inputs.ts). */
  inputs: InputRecord[]
  /**
   * Files the outputs name that the build does not discover on its own (a font in
   * node_modules, as `_/…`), relative to the project root: they join the artifact again
   * whenever this record is reused. Absent: none.
   */
  statics?: string[]
  entries: CompiledEntry[]
  files: CompiledFile[]
  warnings: Message[]
}

interface State {
  identity: string
  statics: Record<string, StaticRecord>
  /** Compile results by unit ('scripts', 'style:site.css'). */
  compile: Record<string, CompileRecord>
}

/** [size, mtimeMs, ino, integrity, variants or null, the compression settings they were made with] */
type StaticRecord = [number, number, number, string, Variant[] | null, string | null]

/**
 * The shape of the state, part of its identity: a state of another shape is ignored. 2: a
 * static file's record holds its integrity alone (its name derives from that, not from a SHA-256).
 * 3: a compile record lists the statics outside the root its outputs name (CompileRecord.statics).
 * 4: a static file among a unit's inputs is hashed as its SRI value (content-inputs.ts).
 */
const FORMAT = 4

export interface RemoteCacheStats {
  hits: number
  misses: number
  stored: number
  rejected: number
}

/** A unit's result from the remote cache: its record (inputs hashed here) and every output's checked bytes. */
export interface RemoteHit {
  record: CompileRecord
  bytes: Map<string, Buffer>
}

/**
 * The remote half of the build cache (remote/remote-cache.ts), set by build.ts only when one
 * is configured. Its failures are warnings it adds itself; it never fails a build.
 */
export interface RemoteUnitCache {
  readonly stats: RemoteCacheStats
  /** The result another runner stored for this unit key and the sources here, or null. */
  fetch(unitKey: string, unit: string): Promise<RemoteHit | null>
  /** Stores a result compiled here (never in read-only mode), in the background. */
  store(record: CompileRecord, bytes: Map<string, Buffer>, unit: string): void
  /** Waits for the stores started so far. */
  settle(): Promise<void>
}

export class BuildCache {
  readonly mismatches: string[] = []
  /** The remote cache, when one is configured (build.ts). */
  remote: RemoteUnitCache | null = null
  private readonly next: State
  private known: Map<string, InputRecord> | null = null

  /** The state file's body as read, so that a build which changed nothing does not write it again. */
  private readonly prevBody: string | null
  private readonly prev: State | null
  /**
   * Whether a record remembered differs from the one read. A build that changed nothing then
   * has nothing to save, known without serializing three quarters of a megabyte to compare.
   */
  private changed = false
  /** Records compile() handed out as they were read: only their inputs' stats can have moved. */
  private readonly reused = new WeakSet<CompileRecord>()

  private constructor(readonly dir: string | null, read: { state: State; body: string } | null, identity: string, private readonly verify: boolean, private readonly verifyOutputs: boolean) {
    this.prev = read?.state ?? null
    this.prevBody = read?.body ?? null
    this.next = { identity, statics: {}, compile: {} }
  }

  /**
   * Opens the cache in `dir` (null: no cache). A state that fails any check is ignored.
   * `verify`: --verify-cache (re-hash sources); `verifyOutputs`: --verify (hash the artifact directory).
   */
  static open(dir: string | null, kilnIdentity: string, verify: boolean, verifyOutputs = false): BuildCache {
    const identity = `${FORMAT}/${kilnIdentity}`
    return new BuildCache(dir, dir ? readState(path.join(dir, STATE), identity) : null, identity, verify, verifyOutputs)
  }

  /** A static file's fingerprint when its path, size, mtime and inode are unchanged (never with --verify-cache). */
  staticFingerprint(key: StatKey, compress: string): CachedStatic | null {
    if (this.verify) return null
    return this.cachedStatic(key, compress)
  }

  private cachedStatic(key: StatKey, compress: string): CachedStatic | null {
    const rec = this.prev?.statics[key.path]
    if (!Array.isArray(rec) || rec[0] !== key.size || rec[1] !== key.mtimeMs || rec[2] !== key.ino) return null
    return { integrity: rec[3], variants: rec[5] === compress && Array.isArray(rec[4]) ? rec[4] : undefined }
  }

  rememberStatic(key: StatKey, fp: Fingerprint, variants: Variant[], compress: string, usedCache: Fingerprint | null): void {
    if (this.verify && !usedCache) {
      const cached = this.cachedStatic(key, compress)
      if (cached && cached.integrity !== fp.integrity) this.mismatches.push(key.path)
    }
    const prev = this.prev?.statics[key.path]
    if (!prev || prev[0] !== key.size || prev[1] !== key.mtimeMs || prev[2] !== key.ino || prev[3] !== fp.integrity || prev[5] !== compress || !sameVariants(prev[4], variants)) this.changed = true
    this.next.statics[key.path] = [key.size, key.mtimeMs, key.ino, fp.integrity, variants, compress]
  }

  /**
   * A unit's cached compile result for `key`, if every input is unchanged on disk and every
   * output can be had: in the artifact directory with its size, else from the cache's copy,
   * else the unit compiles again. With --verify an output in place counts only if its hash
   * is right, and a wrong one needs a good copy here to be repaired from; the variants
   * recorded are dropped, so each is checked again when compressing.
   */
  compile(unit: string, key: string, outDir: string, cwd: string, stats?: InputStats): CompileRecord | null {
    const prev = this.prev?.compile?.[unit]
    if (!prev || prev.key !== key || !this.dir || !Array.isArray(prev.inputs)) return null
    // An unchanged stat trusts the recorded hash; a changed one (touch, a checkout) compares content.
    const inputs = checkInputs(prev.inputs, cwd, this.verify, stats)
    if (!inputs) return null
    const rec = { ...prev, inputs }
    this.reused.add(rec)
    for (const f of rec.files) {
      const out = path.join(outDir, f.file)
      const inOut = fs.statSync(out, { throwIfNoEntry: false })
      if (inOut?.size === f.size && !this.verifyOutputs) continue
      if (inOut?.size === f.size && integrityOfFile(out) === f.integrity) continue
      if (this.verifyOutputs ? !this.compiledBytes(f) : fs.statSync(path.join(this.dir, 'outputs', f.file), { throwIfNoEntry: false })?.size !== f.size) return null
    }
    if (!this.verifyOutputs) return rec
    const copy = structuredClone(rec)
    for (const f of copy.files) delete f.variants
    return copy
  }

  /** The inputs the last build recorded, by relative path: hashes a stat can vouch for need no read. */
  knownInputs(): ReadonlyMap<string, InputRecord> {
    if (!this.known) {
      this.known = new Map()
      for (const rec of Object.values(this.prev?.compile ?? {})) if (Array.isArray(rec?.inputs)) for (const i of rec.inputs) if (Array.isArray(i)) this.known.set(i[0], i)
    }
    return this.known
  }

  /** Records the precompressed variants written for a compiled file, for the next build. */
  rememberVariants(file: string, variants: Variant[], compress: string): void {
    for (const rec of Object.values(this.next.compile)) {
      const f = rec.files.find((x) => x.file === file)
      if (!f) continue
      if (f.compress !== compress || !sameVariants(f.variants, variants)) this.changed = true
      Object.assign(f, { variants, compress })
    }
  }

  /** Bytes of a compiled file kept by an earlier build, only if they match its integrity. */
  compiledBytes(f: CompiledFile): Buffer | null {
    if (!this.dir) return null
    try {
      const bytes = fs.readFileSync(path.join(this.dir, 'outputs', f.file))
      return integrity(bytes) === f.integrity ? bytes : null
    } catch {
      return null
    }
  }

  rememberCompile(unit: string, rec: CompileRecord, bytes: Map<string, Buffer>): void {
    // A copy the caller's later changes cannot reach; the input records (thousands, never
    // changed once made) are shared rather than cloned one by one.
    const { key, inputs, ...rest } = rec
    const prev = this.prev?.compile[unit]
    if (!prev || !this.reused.has(rec) || !sameInputs(prev.inputs, inputs)) this.changed = true
    this.next.compile[unit] = { key, inputs: inputs.slice(), ...structuredClone(rest) }
    if (!this.dir) return
    for (const [file, data] of bytes) {
      const dest = path.join(this.dir, 'outputs', file)
      if (fs.existsSync(dest)) continue
      try {
        fs.mkdirSync(path.dirname(dest), { recursive: true })
        const temp = tempPath(dest, this.dir)
        fs.writeFileSync(temp, data)
        fs.renameSync(temp, dest)
      } catch {
        // a cache that cannot be filled only costs time next build
      }
    }
  }

  /** Writes the new state (atomically); a build that changed nothing finds it already there, byte for byte. */
  save(): void {
    if (!this.dir) return
    // Nothing remembered differs, and nothing read was left out (each record was compared with one read).
    const sameCount = (a: object, b: object) => Object.keys(a).length === Object.keys(b).length
    if (!this.changed && this.prev && sameCount(this.prev.statics, this.next.statics) && sameCount(this.prev.compile, this.next.compile)) return
    try {
      const body = JSON.stringify(this.next)
      if (body === this.prevBody) return
      fs.mkdirSync(this.dir, { recursive: true })
      const file = path.join(this.dir, STATE)
      const temp = tempPath(file, this.dir)
      fs.writeFileSync(temp, `${sha256Hex(body)}\n${body}`)
      fs.renameSync(temp, file)
    } catch {
      // as above: the next build is slower, never different
    }
  }
}

function sameVariants(a: Variant[] | null | undefined, b: Variant[] | null | undefined): boolean {
  return a === b || (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => JSON.stringify(v) === JSON.stringify(b[i])))
}

function sameInputs(a: InputRecord[], b: InputRecord[]): boolean {
  return a.length === b.length && a.every((r, i) => Array.isArray(r) && r.length === b[i]!.length && r.every((x, k) => x === b[i]![k]))
}

function readState(file: string, identity: string): { state: State; body: string } | null {
  try {
    const text = fs.readFileSync(file, 'utf8')
    const nl = text.indexOf('\n')
    const body = text.slice(nl + 1)
    if (nl !== 64 || text.slice(0, 64) !== sha256Hex(body)) return null
    const state = JSON.parse(body) as State
    const ok = state.identity === identity && state.statics && typeof state.statics === 'object' && state.compile && typeof state.compile === 'object'
    return ok ? { state, body } : null
  } catch {
    return null
  }
}

function integrityOfFile(file: string): string | null {
  try {
    return integrity(fs.readFileSync(file))
  } catch {
    return null
  }
}


export { keyOf } from './fingerprint.js'
