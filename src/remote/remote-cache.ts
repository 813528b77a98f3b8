// The remote build cache (cache: { remote: 's3://bucket/prefix' }): compile results stored by
// content key in S3 and fetched before compiling, so a fresh CI runner builds what another
// one built without compiling. Laid out like ccache's direct mode or Bazel's action cache:
//
//   <prefix>/v1/inputs/<unitKey>/<sha256 of the list>  a JSON list of the input paths a
//        compile of that unit read (which files to hash); one object per distinct list, so
//        a commit that reads other files adds a list instead of being shadowed by the first
//   <prefix>/v1/entries/<contentKey>  the unit's result (remote/cache-entry.ts): contentKey
//        is the unit key plus each listed path's sha256 here (content-inputs.ts)
//
// Everything is written create-only (If-None-Match: *; 412 means someone stored the same
// thing first, which is fine), with Content-MD5 and an explicit Cache-Control; read-only
// mode never writes. An entry that fails a check is ignored with a warning and the unit
// compiles (its key is then taken, so nothing is overwritten). The remote failing
// (unreachable, 403, 5xx after retries, no credentials) is one warning naming the remote,
// never credentials or signed URLs; the build goes on locally and does not ask it again.
import path from 'node:path'
import type { CompileRecord, RemoteCacheStats, RemoteHit, RemoteUnitCache } from '../cache.js'
import type { ResolvedConfig } from '../config.js'
import { KilnError, displayPath, message, type Message } from '../diagnostics.js'
import { absoluteInput, recordInput, type InputRecord } from '../content-inputs.js'
import { contentKey } from '../content-inputs.js'
import { decodeEntry, encodeEntry } from './cache-entry.js'
import { S3Client } from './s3.js'
import { resolvePublishSettings } from './settings.js'
import { sha256Hex } from '../fingerprint.js'

/** Lists tried per unit, newest first: each costs a GET and the hashing of files not hashed yet. */
const MAX_LISTS = 8
/** Content-addressed, so never stale; private: build outputs are no business of a shared cache. */
const CACHE_CONTROL = 'private, max-age=31536000, immutable'
const PATIENCE = { retries: 2, timeoutMs: 60_000 }

/**
 * The remote cache for this build, or null (with a warning) when it cannot be used at all.
 * A malformed s3:// URL is a usage error like any bad option.
 */
export function openRemoteCache(config: ResolvedConfig, warnings: Message[], known: ReadonlyMap<string, InputRecord>): RemoteUnitCache | null {
  const url = config.cache.remote!
  let settings
  try {
    // Endpoint, region and credentials exactly as kiln publish reads them (AWS_*, then the config's publish key).
    settings = resolvePublishSettings({ target: url }, config.publish ?? {}, config.configFile ? displayPath(config.configFile, config.cwd) : 'the config', config.environment, `The remote cache ${url}`)
  } catch (err) {
    if (!(err instanceof KilnError)) throw err
    // A pull request from a fork gets no secrets: it builds, locally, and says why.
    warnings.push(message(`${err.errors[0]!.text}; building without it`, null, err.errors[0]!.notes[0]?.text))
    return null
  }
  const { location, s3 } = settings
  const name = `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`
  const client = new S3Client(s3, location.bucket, PATIENCE)
  return new RemoteCache(client, location.prefix ? `${location.prefix}/v1` : 'v1', `${name} (${s3.endpoint})`, config.cache.readOnly === true, config.cwd, warnings, known)
}

class RemoteCache implements RemoteUnitCache {
  readonly stats: RemoteCacheStats = { hits: 0, misses: 0, stored: 0, rejected: 0 }
  /** Once the remote has failed, this build does not ask it again. */
  private down = false
  private readonly stores: Promise<void>[] = []
  /** Inputs hashed so far (and the local cache's), by relative path: each file is hashed once. */
  private readonly hashed: Map<string, InputRecord>

  constructor(private readonly client: S3Client, private readonly base: string, private readonly name: string, private readonly readOnly: boolean,
    private readonly cwd: string, private readonly warnings: Message[], known: ReadonlyMap<string, InputRecord>) {
    this.hashed = new Map(known)
  }

  async fetch(unitKey: string, unit: string): Promise<RemoteHit | null> {
    if (this.down) return null
    try {
      const lists = [...(await this.client.list(`${this.base}/inputs/${unitKey}/`)).values()]
        .sort((a, b) => (b.modified ?? '').localeCompare(a.modified ?? '') || a.key.localeCompare(b.key)).slice(0, MAX_LISTS)
      for (const list of lists) {
        const paths = parseList(await this.client.get(list.key))
        if (!paths) continue
        const inputs = paths.map((rel) => this.record(rel))
        const key = contentKey(unitKey, inputs)
        const object = await this.client.get(`${this.base}/entries/${key}`)
        if (!object) continue
        const entry = decodeEntry(object, key, new Set(paths))
        if ('problem' in entry) {
          this.stats.rejected++
          this.warnings.push(message(`The remote cache ${this.name} has a bad entry for ${unit}: ${entry.problem}; ignored it and compiled ${unit} here`, null,
            'a corrupt or truncated object is never used; if this repeats, delete the entry (its key names the sources) or the prefix'))
          return null
        }
        this.stats.hits++
        const record: CompileRecord = { key: unitKey, inputs, ...(entry.statics.length ? { statics: entry.statics } : {}), entries: entry.entries, files: entry.files, warnings: entry.warnings }
        return { record, bytes: entry.bytes }
      }
      this.stats.misses++
      return null
    } catch (err) {
      this.fail(err)
      return null
    }
  }

  store(record: CompileRecord, bytes: Map<string, Buffer>, _unit: string): void {
    if (this.readOnly || this.down) return
    this.stores.push(this.put(record, bytes).catch((err) => this.fail(err)))
  }

  async settle(): Promise<void> {
    await Promise.all(this.stores)
  }

  /** The entry first, then its list: a list always leads to an entry that was complete when it was written. */
  private async put(record: CompileRecord, bytes: Map<string, Buffer>): Promise<void> {
    const key = contentKey(record.key, record.inputs)
    const headers = { 'Cache-Control': CACHE_CONTROL, 'Content-Type': 'application/octet-stream' }
    const entry = await this.client.put(`${this.base}/entries/${key}`, encodeEntry(key, record, bytes), headers, true)
    if (entry.status !== 412) this.stats.stored++
    const list = Buffer.from(JSON.stringify(record.inputs.map((i) => i[0]).sort()))
    await this.client.put(`${this.base}/inputs/${record.key}/${sha256Hex(list)}`, list, { ...headers, 'Content-Type': 'application/json' }, true)
  }

  private record(rel: string): InputRecord {
    const rec = recordInput(absoluteInput(rel, this.cwd), this.cwd, this.hashed)
    this.hashed.set(rel, rec)
    return rec
  }

  private fail(err: unknown): void {
    if (this.down) return
    this.down = true
    const why = this.client.redact(err instanceof Error ? err.message : String(err))
    this.warnings.push(message(`The remote cache ${this.name} failed (${why}); building without it`, null,
      'check AWS_ENDPOINT_URL, the credentials and the bucket policy; the build itself is complete and correct'))
  }
}

/** A list of input paths: relative (a path outside the project starts with ..), never absolute. */
function parseList(body: Buffer | null): string[] | null {
  if (!body) return null
  try {
    const list = JSON.parse(body.toString('utf8')) as unknown
    return Array.isArray(list) && list.every((p) => typeof p === 'string' && p !== '' && !path.isAbsolute(p) && !/^[a-zA-Z]:|^[\\/]|\0/.test(p)) ? list as string[] : null
  } catch {
    return null
  }
}
