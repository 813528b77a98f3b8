// The compression floor: brotli 11 and gzip 9 of the given files, on every core (one
// worker thread per core), written beside a scratch copy. Usage: node compress-floor.mjs LIST OUT
// where LIST is a file with one path per line.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'

if (isMainThread) {
  const [list, out] = process.argv.slice(2)
  const files = fs.readFileSync(list, 'utf8').split('\n').filter(Boolean)
  fs.mkdirSync(out, { recursive: true })
  const n = os.availableParallelism()
  await Promise.all(Array.from({ length: n }, (_, w) => new Promise((resolve, reject) => {
    const mine = files.filter((_, i) => i % n === w)
    const worker = new Worker(new URL(import.meta.url), { workerData: { files: mine, out } })
    worker.on('message', resolve)
    worker.on('error', reject)
  })))
} else {
  const { files, out } = workerData
  for (const [i, file] of files.entries()) {
    const bytes = fs.readFileSync(file)
    const base = path.join(out, `${process.pid}-${i}-${path.basename(file)}`)
    fs.writeFileSync(`${base}.br`, zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }))
    fs.writeFileSync(`${base}.gz`, zlib.gzipSync(bytes, { level: 9 }))
  }
  parentPort.postMessage('done')
}
