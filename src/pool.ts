// A pool of worker threads for the byte-heavy work (hashing, copying, compressing), sized
// to the machine, so it runs on the other core while esbuild works in its own process.
import os from 'node:os'
import { Worker } from 'node:worker_threads'
import type { Job, JobResult } from './workers/asset-jobs.js'

interface Pending {
  resolve: (r: JobResult) => void
  reject: (e: Error) => void
}

export class Pool {
  private readonly workers: Worker[] = []
  private readonly idle: Worker[] = []
  private readonly queue: { job: Job; pending: Pending }[] = []
  private readonly running = new Map<Worker, Pending>()

  constructor(size = Math.max(1, os.availableParallelism())) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(new URL('./workers/asset-worker.js', import.meta.url))
      w.on('message', (msg: { result?: JobResult; error?: { message: string; code?: string; path?: string } }) => {
        const p = this.running.get(w)!
        this.running.delete(w)
        if (msg.error) p.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code, path: msg.error.path }))
        else p.resolve(msg.result!)
        this.next(w)
      })
      w.on('error', (err: Error) => {
        this.running.get(w)?.reject(err)
        this.running.delete(w)
      })
      this.workers.push(w)
      this.idle.push(w)
    }
  }

  run<R extends JobResult>(job: Job): Promise<R> {
    return new Promise<JobResult>((resolve, reject) => {
      this.queue.push({ job, pending: { resolve, reject } })
      const w = this.idle.pop()
      if (w) this.next(w)
    }) as Promise<R>
  }

  private next(w: Worker) {
    const item = this.queue.shift()
    if (!item) {
      this.idle.push(w)
      return
    }
    this.running.set(w, item.pending)
    const transfer = item.job.kind === 'compress-bytes' ? [item.job.bytes.buffer as ArrayBuffer] : []
    w.postMessage(item.job, transfer)
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}
