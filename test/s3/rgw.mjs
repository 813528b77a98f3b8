// Test helper: a real Ceph RADOS Gateway on 127.0.0.1 (test/s3/start.sh), started once per
// test file and stopped when it ends (stop() in the file's last hook, and on exit whatever
// happens). When it cannot start, startRgw() prints one line saying why and returns null,
// so the file's suites skip; with KILN_REQUIRE_S3=1 (CI) that is a failure instead.
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { AwsClient } from 'aws4fetch'

const HERE = path.dirname(fileURLToPath(import.meta.url))

export async function startRgw(label) {
  const run = spawnSync('bash', [path.join(HERE, 'start.sh')], { encoding: 'utf8', timeout: 180_000 })
  if (run.status !== 0) {
    const why = (run.stderr || run.error?.message || `start.sh exited with ${run.status}`).trim().split('\n').pop()
    if (process.env.KILN_REQUIRE_S3 === '1') throw new Error(`${label}: KILN_REQUIRE_S3=1 but ${why}`)
    console.log(`SKIP ${label}: ${why}`)
    return null
  }
  const env = Object.fromEntries(run.stdout.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
  let stopped = false
  const stop = () => {
    if (stopped) return
    stopped = true
    spawnSync('bash', [path.join(HERE, 'stop.sh'), env.S3_DIR], { stdio: 'ignore', timeout: 60_000 })
  }
  process.on('exit', stop)
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => { stop(); process.exit(130) })
  const aws = new AwsClient({ accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, service: 's3', region: env.AWS_REGION, retries: 0 })
  const { S3_DIR: _dir, ...awsEnv } = env
  const req = (method, p, init = {}) => aws.fetch(`${env.AWS_ENDPOINT_URL}/${p}`, { method, ...init })
  let buckets = 0
  return {
    env: awsEnv,
    stop,
    req,
    /** A new bucket for one test. */
    async bucket() {
      const name = `kiln-${process.pid}-${++buckets}`
      const res = await req('PUT', name)
      if (res.status !== 200) throw new Error(`cannot create bucket ${name}: ${res.status} ${await res.text()}`)
      return name
    },
    /** key → { size, etag } under a bucket. */
    async list(bucket, prefix = '') {
      const out = new Map()
      let token = ''
      do {
        const q = new URLSearchParams({ 'list-type': '2', prefix, ...(token ? { 'continuation-token': token } : {}) })
        const xml = await (await req('GET', `${bucket}?${q}`)).text()
        for (const [, c] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) out.set(/<Key>(.*?)<\/Key>/.exec(c)[1], { size: Number(/<Size>(\d+)<\/Size>/.exec(c)[1]), etag: /<ETag>(.*?)<\/ETag>/.exec(c)[1].replace(/&quot;|"/g, '') })
        token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? /<NextContinuationToken>(.*?)<\/NextContinuationToken>/.exec(xml)[1] : ''
      } while (token)
      return out
    },
  }
}
