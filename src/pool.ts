// A pool of worker threads for the byte-heavy work (hashing, copying, compressing), sized
// to the machine, so it runs on the other core while esbuild works in its own process.
// A compression job is asynchronous (zlib runs on libuv's threads), so each worker has
// several in flight. A batch of static files runs synchronously from start to end: two per
// worker keep it busy (the next one is already there when one ends) without one worker
// holding a queue the others could have taken at the end of the build.
import os from 'node:os'
import { Worker } from 'node:worker_threads'
import type { Job, JobError, JobResult } from './workers/asset-jobs.js'

interface Pending {
  resolve: (r: JobResult) => void
  reject: (e: Error) => void
}

const IN_FLIGHT = 8
/** What a job counts against IN_FLIGHT. */
const weight = (job: Job) => (job.kind === 'ingest' ? IN_FLIGHT / 2 : 1)

export class Pool {
  private readonly workers: Worker[] = []
  private readonly queue: { job: Job; pending: Pending }[] = []
  private readonly running = new Map<number, Pending & { weight: number }>()
  private readonly load = new Map<Worker, number>()
  private nextId = 0

  /** Workers start on the first job: a rebuild with nothing to hash never starts a thread. */
  constructor(private readonly size = Math.max(1, os.availableParallelism())) {}

  private start() {
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(new URL('./workers/asset-worker.js', import.meta.url))
      w.on('message', (msg: { id: number; result?: JobResult; error?: JobError }) => {
        const p = this.running.get(msg.id)!
        this.running.delete(msg.id)
        this.load.set(w, this.load.get(w)! - p.weight)
        if (msg.error) p.reject(errorOf(msg.error))
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

  /** Hands queued jobs, in order, to the least loaded workers, up to IN_FLIGHT each. */
  private dispatch() {
    while (this.queue.length) {
      const need = weight(this.queue[0]!.job)
      let best: Worker | undefined
      for (const w of this.workers) if (this.load.get(w)! + need <= IN_FLIGHT && (!best || this.load.get(w)! < this.load.get(best)!)) best = w
      if (!best) return
      const { job, pending } = this.queue.shift()!
      const id = this.nextId++
      this.running.set(id, { ...pending, weight: need })
      this.load.set(best, this.load.get(best)! + need)
      const transfer = job.kind === 'compress-bytes' ? [job.bytes.buffer as ArrayBuffer] : []
      best.postMessage({ id, job }, transfer)
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}

/** A worker's error, as an Error on this thread. */
export function errorOf(e: JobError): NodeJS.ErrnoException {
  return Object.assign(new Error(e.message), { code: e.code, path: e.path })
}
