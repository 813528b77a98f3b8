// A pool of worker threads for the byte-heavy work (hashing, copying, compressing), sized
// to the machine, so it runs on the other core while esbuild works in its own process.
// Each worker has several jobs in flight: most of a small file's time is I/O, which
// overlaps on libuv's threads while the worker hashes another file.
import os from 'node:os'
import { Worker } from 'node:worker_threads'
import type { Job, JobResult } from './workers/asset-jobs.js'

interface Pending {
  resolve: (r: JobResult) => void
  reject: (e: Error) => void
}

const IN_FLIGHT = 8

export class Pool {
  private readonly workers: Worker[] = []
  private readonly queue: { job: Job; pending: Pending }[] = []
  private readonly running = new Map<number, Pending>()
  private readonly load = new Map<Worker, number>()
  private nextId = 0

  /** Workers start on the first job: a rebuild with nothing to hash never starts a thread. */
  constructor(private readonly size = Math.max(1, os.availableParallelism())) {}

  private start() {
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(new URL('./workers/asset-worker.js', import.meta.url))
      w.on('message', (msg: { id: number; result?: JobResult; error?: { message: string; code?: string; path?: string } }) => {
        const p = this.running.get(msg.id)!
        this.running.delete(msg.id)
        this.load.set(w, this.load.get(w)! - 1)
        if (msg.error) p.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code, path: msg.error.path }))
        else p.resolve(msg.result!)
        this.dispatch()
      })
      w.on('error', (err: Error) => {
        for (const p of this.running.values()) p.reject(err)
        this.running.clear()
      })
      this.workers.push(w)
      this.load.set(w, 0)
    }
  }

  run<R extends JobResult>(job: Job): Promise<R> {
    if (this.workers.length === 0) this.start()
    return new Promise<JobResult>((resolve, reject) => {
      this.queue.push({ job, pending: { resolve, reject } })
      this.dispatch()
    }) as Promise<R>
  }

  /** Hands queued jobs to the least loaded workers, up to IN_FLIGHT each. */
  private dispatch() {
    while (this.queue.length) {
      let best: Worker | undefined
      for (const w of this.workers) if (this.load.get(w)! < IN_FLIGHT && (!best || this.load.get(w)! < this.load.get(best)!)) best = w
      if (!best) return
      const { job, pending } = this.queue.shift()!
      const id = this.nextId++
      this.running.set(id, pending)
      this.load.set(best, this.load.get(best)! + 1)
      const transfer = job.kind === 'compress-bytes' ? [job.bytes.buffer as ArrayBuffer] : []
      best.postMessage({ id, job }, transfer)
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}
