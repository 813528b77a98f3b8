// Where to publish, how, and with which credentials. Each setting has one order of precedence:
// the command line (the s3:// argument, --concurrency, --variants) > the standard AWS_*
// variables (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN) > the config's `publish` key > the default. Credentials are taken as a
// set: from the environment when it has any, else from a JS/TS config (a JSON config may hold
// none: options.ts refuses it). Messages name the variables and keys, never their values.
import { usageError } from '../diagnostics.js'
import { checkS3Url, DEFAULT_CONCURRENCY, endpointProblem, normalizeEndpoint, type PublishConfig } from '../publish-config.js'
import type { S3Settings } from './s3.js'

export interface S3Location {
  bucket: string
  /** No leading or trailing slash; '' for the bucket's root. */
  prefix: string
}

export function parseS3Url(url: string): S3Location {
  const c = checkS3Url(url)
  if (c.problem !== undefined) throw usageError(c.problem, c.hint ?? 'kiln publish s3://bucket/prefix (the prefix is optional)')
  return c
}

/** What the command line gave (undefined: not given). */
export interface PublishFlags {
  target?: string
  concurrency?: number
  variants?: boolean
}

export interface PublishSettings {
  location: S3Location
  s3: S3Settings
  concurrency: number
  variants: boolean
  /** Where each came from, for --verbose and hints: 'AWS_ENDPOINT_URL', 'publish.endpoint in kiln.config.mjs', 'the default'. */
  from: { target: string; endpoint: string; region: string; credentials: string; concurrency: string; variants: string }
}

/** `source`: where `config` came from, as messages show it (kiln.config.mjs). */
export function resolvePublishSettings(flags: PublishFlags, config: PublishConfig, source: string, env: NodeJS.ProcessEnv): PublishSettings {
  const inConfig = (key: string) => `publish.${key} in ${source}`
  // The first layer that gives a value (an empty variable gives none), and which one it was.
  const pick = <T>(...layers: [T | undefined | '', string][]): [T, string] => (layers.find(([v]) => v !== undefined && v !== '') ?? [undefined, '']) as [T, string]

  const [target, targetFrom] = pick<string | undefined>([flags.target, 'the argument'], [config.target, inConfig('target')])
  if (target === undefined) {
    throw usageError('kiln publish needs a target: an s3:// URL', `kiln publish s3://bucket/prefix, or "publish": { "target": "s3://bucket/prefix" } in the config`)
  }
  const [region, regionFrom] = pick<string>([env.AWS_REGION, 'AWS_REGION'], [env.AWS_DEFAULT_REGION, 'AWS_DEFAULT_REGION'], [config.region, inConfig('region')], ['us-east-1', 'the default'])
  const [endpoint, endpointFrom] = pick<string>([env.AWS_ENDPOINT_URL_S3, 'AWS_ENDPOINT_URL_S3'], [env.AWS_ENDPOINT_URL, 'AWS_ENDPOINT_URL'], [config.endpoint, inConfig('endpoint')],
    [`https://s3.${region}.amazonaws.com`, 'the default (AWS)'])
  // The config's endpoint was checked when the config was loaded; a variable is checked here.
  const bad = endpointProblem(endpoint)
  if (bad) throw usageError(`${endpointFrom} ${bad.problem}`, bad.hint)
  const [concurrency, concurrencyFrom] = pick<number>([flags.concurrency, '--concurrency'], [config.concurrency, inConfig('concurrency')], [DEFAULT_CONCURRENCY, 'the default'])
  const [variants, variantsFrom] = pick<boolean>([flags.variants, flags.variants ? '--variants' : '--no-variants'], [config.variants, inConfig('variants')], [true, 'the default'])
  const credentials = credentialsFrom(config, env, source)
  return {
    location: parseS3Url(target),
    s3: { endpoint: normalizeEndpoint(endpoint), region, ...credentials.keys },
    concurrency,
    variants,
    from: { target: targetFrom, endpoint: endpointFrom, region: regionFrom, credentials: credentials.from, concurrency: concurrencyFrom, variants: variantsFrom },
  }
}

/** As a set, so a key from one place is never paired with a secret from another. */
function credentialsFrom(config: PublishConfig, env: NodeJS.ProcessEnv, source: string) {
  const fromEnv = !!(env.AWS_ACCESS_KEY_ID || env.AWS_SECRET_ACCESS_KEY)
  const fromConfig = !fromEnv && !!(config.accessKeyId || config.secretAccessKey)
  const accessKeyId = (fromEnv ? env.AWS_ACCESS_KEY_ID : config.accessKeyId) ?? ''
  const secretAccessKey = (fromEnv ? env.AWS_SECRET_ACCESS_KEY : config.secretAccessKey) ?? ''
  const names = fromConfig ? [`publish.accessKeyId in ${source}`, `publish.secretAccessKey in ${source}`] : ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']
  const missing = [!accessKeyId && names[0], !secretAccessKey && names[1]].filter(Boolean)
  if (missing.length) {
    throw usageError(`kiln publish needs credentials: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set`,
      'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), or read them from process.env in a kiln.config.js/.ts ("publish": { accessKeyId, secretAccessKey }); AWS_ENDPOINT_URL for S3-compatible storage')
  }
  const sessionToken = (fromEnv ? env.AWS_SESSION_TOKEN : config.sessionToken) || undefined
  return { keys: { accessKeyId, secretAccessKey, sessionToken }, from: fromConfig ? `publish.accessKeyId/secretAccessKey in ${source}` : 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY' }
}

/** One line for --verbose: each setting and where it came from; never a credential. */
export function describeSettings(s: PublishSettings): string {
  const target = `s3://${s.location.bucket}${s.location.prefix ? `/${s.location.prefix}` : ''}`
  return [`publish target: ${target} (${s.from.target})`, `endpoint: ${s.s3.endpoint} (${s.from.endpoint})`, `region: ${s.s3.region} (${s.from.region})`,
    `credentials: ${s.from.credentials}`, `uploads at once: ${s.concurrency} (${s.from.concurrency})`, `variants: ${s.variants ? 'on' : 'off'} (${s.from.variants})`].join('\n')
}
