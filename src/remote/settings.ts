// Where to publish and with which credentials: an s3://bucket/prefix URL, and the standard
// AWS_* variables (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN). Messages name the variables, never their values.
import { usageError } from '../diagnostics.js'
import type { S3Settings } from './s3.js'

export interface S3Location {
  bucket: string
  /** No leading or trailing slash; '' for the bucket's root. */
  prefix: string
}

export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url)
  if (!m) throw usageError(`"${url}" is not an s3:// URL`, 's3://bucket/prefix (the prefix is optional)')
  const bucket = m[1]!
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw usageError(`"${bucket}" is not a valid bucket name`, 'bucket names are 3-63 characters: lowercase letters, digits, dots and hyphens')
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '')
  if (prefix.split('/').some((s) => s === '.' || s === '..') || /\/\//.test(prefix)) throw usageError(`The prefix "${prefix}" has an empty, . or .. segment`)
  return { bucket, prefix }
}

/** `who` names what needs them in messages: 'kiln publish', 'the remote cache'. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env, who = 'kiln publish'): S3Settings {
  const accessKeyId = env.AWS_ACCESS_KEY_ID ?? ''
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY ?? ''
  const missing = [!accessKeyId && 'AWS_ACCESS_KEY_ID', !secretAccessKey && 'AWS_SECRET_ACCESS_KEY'].filter(Boolean)
  if (missing.length) throw usageError(`${who} needs credentials: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`, 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials); AWS_ENDPOINT_URL for S3-compatible storage')
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1'
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || `https://s3.${region}.amazonaws.com`
  let parsed: URL
  try {
    parsed = new URL(endpoint)
  } catch {
    throw usageError('AWS_ENDPOINT_URL is not a URL', 'e.g. AWS_ENDPOINT_URL=http://127.0.0.1:7480')
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw usageError('AWS_ENDPOINT_URL must be an http: or https: URL')
  if (parsed.username || parsed.password || parsed.search) throw usageError('AWS_ENDPOINT_URL must not carry credentials or a query', 'use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY')
  return { endpoint: parsed.origin + parsed.pathname.replace(/\/+$/, ''), region, accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined }
}
