// The `publish` key of the Kiln config: kiln publish's settings, their shape and their checks.
// A leaf with no I/O: the options table checks it when any config is loaded (so a mistake is
// an error at its key, like every config error), and kiln publish reads it. It lives outside
// the publish code because that is loaded by `kiln publish` alone.
// Credentials: a JS/TS config may carry them (it can read process.env); a JSON config may not,
// because config files are committed. No credential's value ever goes into a message.
import { closest } from './runtime/closest.js'

export interface PublishConfig {
  /** Where `kiln publish` uploads when no URL is given: 's3://bucket/prefix'. */
  target?: string
  /** The S3 server (http: or https:); AWS_ENDPOINT_URL wins over it. Default AWS. */
  endpoint?: string
  /** AWS_REGION wins over it. Default us-east-1. */
  region?: string
  /** Uploads at once; --concurrency wins over it. Default 16. */
  concurrency?: number
  /** Publish the precompressed .br/.gz files as their own keys; --variants/--no-variants win over it. Default true. */
  variants?: boolean
  /** Only in a JS/TS config (read them from process.env); AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY win over them. */
  accessKeyId?: string
  secretAccessKey?: string
  sessionToken?: string
}

export const CREDENTIAL_KEYS = ['accessKeyId', 'secretAccessKey', 'sessionToken'] as const
const SETTINGS = ['target', 'endpoint', 'region', 'concurrency', 'variants', ...CREDENTIAL_KEYS] as const

export const DEFAULT_CONCURRENCY = 16

/** A problem at one key inside an object option (`key` is that inner key). */
export interface NestedProblem {
  key: string
  text: string
  hint?: string
}

export type S3UrlCheck = { bucket: string; prefix: string; problem?: undefined } | { problem: string; hint?: string }

/** s3://bucket/prefix → bucket and prefix (no leading or trailing slash; '' for the bucket's root), or what is wrong with it. */
export function checkS3Url(url: string): S3UrlCheck {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url)
  if (!m) return { problem: `"${url}" is not an s3:// URL`, hint: 's3://bucket/prefix (the prefix is optional)' }
  const bucket = m[1]!
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) return { problem: `"${bucket}" is not a valid bucket name`, hint: 'bucket names are 3-63 characters: lowercase letters, digits, dots and hyphens' }
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '')
  if (prefix.split('/').some((s) => s === '.' || s === '..') || /\/\//.test(prefix)) return { problem: `The prefix "${prefix}" has an empty, . or .. segment` }
  return { bucket, prefix }
}

/**
 * What is wrong with an endpoint URL ("is not a URL"), or null. The value itself is never
 * repeated: a URL with user:password in it is exactly the one refused here.
 */
export function endpointProblem(url: string): { problem: string; hint: string } | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { problem: 'is not a URL', hint: 'e.g. http://127.0.0.1:7480 or https://s3.example.net' }
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { problem: 'must be an http: or https: URL', hint: 'e.g. https://s3.example.net' }
  if (parsed.username || parsed.password || parsed.search) return { problem: 'must not carry credentials or a query', hint: 'credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY' }
  return null
}

/** The endpoint as the client uses it: origin and path, no trailing slash (checked by endpointProblem first). */
export function normalizeEndpoint(url: string): string {
  const parsed = new URL(url)
  return parsed.origin + parsed.pathname.replace(/\/+$/, '')
}

/** Checks the `publish` object; `json`: it comes from kiln.config.json, which may hold no credentials. */
export function checkPublishConfig(value: Record<string, unknown>, from: { json: boolean }): NestedProblem[] {
  const problems: NestedProblem[] = []
  for (const [key, v] of Object.entries(value)) {
    const problem = checkSetting(key, v, from.json)
    if (problem) problems.push({ key, ...problem })
  }
  return problems
}

function checkSetting(key: string, v: unknown, json: boolean): Omit<NestedProblem, 'key'> | null {
  if (!(SETTINGS as readonly string[]).includes(key)) {
    const near = closest(key, SETTINGS)
    return { text: 'is not a publish setting', hint: near.length ? `did you mean "${near[0]}"?` : `publish settings: ${SETTINGS.join(', ')}` }
  }
  if ((CREDENTIAL_KEYS as readonly string[]).includes(key)) {
    if (json) {
      return {
        text: 'is a credential in a JSON config',
        hint: 'config files are committed and secrets do not belong in them: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) in the environment, or read them from process.env in a kiln.config.js/.ts',
      }
    }
    // The type only: a credential's value is never shown.
    return v === undefined || typeof v === 'string' ? null : { text: `must be a string, got ${v === null ? 'null' : typeof v}` }
  }
  if (v === undefined) return null
  switch (key) {
    case 'target': {
      if (typeof v !== 'string') return { text: `must be an s3:// URL as a string, got ${show(v)}` }
      const c = checkS3Url(v)
      return c.problem ? { text: `is not usable: ${c.problem}`, hint: c.hint } : null
    }
    case 'endpoint': {
      if (typeof v !== 'string') return { text: `must be a URL as a string, got ${show(v)}` }
      const p = endpointProblem(v)
      return p ? { text: p.problem, hint: p.hint } : null
    }
    case 'region':
      return typeof v === 'string' && /^[A-Za-z0-9_-]+$/.test(v) ? null : { text: `must be a region name such as "us-east-1", got ${show(v)}` }
    case 'concurrency':
      return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? null : { text: `must be a whole number of uploads at once, at least 1, got ${show(v)}` }
    default: // variants
      return typeof v === 'boolean' ? null : { text: `must be true or false, got ${show(v)}` }
  }
}

function show(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v)
  } catch {
    return String(v)
  }
}

/**
 * A text about a config file (a message, the line it quotes) with the values of credential
 * keys written in it masked (`"secretAccessKey": "…"`, `secretAccessKey: '…'`), a URL's
 * password, and any of the `known` values wherever they appear. Masked with as many `*`, so a caret under the
 * quoted line still points at the same column.
 */
export function redactCredentials(text: string, known: readonly string[] = []): string {
  const mask = (s: string) => '*'.repeat(s.length)
  let out = text.replace(/((["'`]?)\b(?:accessKeyId|secretAccessKey|sessionToken)\b\2\s*:\s*)(["'`])((?:[^\\]|\\.)*?)(\3|$)/g, (_, key: string, _q, open: string, value: string, close: string) => `${key}${open}${mask(value)}${close}`)
  // A password in a URL (an endpoint written as https://user:password@host).
  out = out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@"'`]*:)([^@\s"'`/]+)@/gi, (_, head: string, password: string) => `${head}${mask(password)}@`)
  for (const s of known) if (s) out = out.split(s).join(mask(s))
  return out
}
