// A pool of worker threads for the byte-heavy work (hashing, copying, compressing), sized
// to the machine, so it runs on the other core while esbuild works in its own process.
// A compression job is asynchronous (zlib runs on libuv's threads), so each worker has
// several in flight. A batch of static files runs synchronously from start to end: two per
// worker keep it busy (the next one is already there when one ends) without one worker
// holding a queue the others could have taken at the end of the build.
import { createRequire } from 'node:module'
import os from 'node:os'
import type { Worker } from 'node:worker_threads'
import type { Job, JobError, JobResult } from './workers/asset-jobs.js'

// Threads load with the first job: a rebuild with nothing to hash never needs them.
const require = createRequire(import.meta.url)

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
  /** Lists of jobs every worker takes from (runShared), by id: a promise per job, and how many workers are still at it. */
  private readonly shared = new Map<number, { pending: Pending[]; workers: number }>()
  private nextId = 0

  /** Workers start on the first job: a rebuild with nothing to hash never starts a thread. */
  constructor(private readonly size = Math.max(1, os.availableParallelism())) {}

  private start() {
    for (let i = 0; i < this.size; i++) {
      const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads')
      const w = new Worker(new URL('./workers/asset-worker.js', import.meta.url))
      w.on('message', (msg: { id: number; index?: number; done?: boolean; result?: JobResult; error?: JobError }) => {
        const shared = this.shared.get(msg.id)
        if (shared) {
          if (msg.done) {
            if (--shared.workers === 0) this.shared.delete(msg.id)
            return
          }
          const p = shared.pending[msg.index!]!
          return msg.error ? p.reject(errorOf(msg.error)) : p.resolve(msg.result!)
        }
        const p = this.running.get(msg.id)!
        this.running.delete(msg.id)
        this.load.set(w, this.load.get(w)! - p.weight)
        if (msg.error) p.reject(errorOf(msg.error))
        else p.resolve(msg.result!)
        this.dispatch()
      })
      w.on('error', (err: Error) => {
        for (const p of [...this.running.values(), ...[...this.shared.values()].flatMap((s) => s.pending)]) p.reject(err)
        this.running.clear()
        this.shared.clear()
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

  /**
   * Runs a list of jobs known up front on every worker at once: each worker takes the next
   * job from a counter they share as soon as it finishes one. None waits for this thread
   * (busy compiling stylesheets between messages) to hand it more, and none holds a queue
   * the others could have taken at the end. Jobs from run() still get in between (a worker
   * yields to its messages after each job). One promise per job, in order.
   */
  runShared<R extends JobResult>(jobs: Job[]): Promise<R>[] {
    if (jobs.length === 0) return []
    if (this.workers.length === 0) this.start()
    const pending: Pending[] = []
    const promises = jobs.map(() => new Promise<JobResult>((resolve, reject) => pending.push({ resolve, reject })) as Promise<R>)
    const id = this.nextId++
    this.shared.set(id, { pending, workers: this.workers.length })
    const counter = new Int32Array(new SharedArrayBuffer(4))
    for (const w of this.workers) w.postMessage({ id, shared: { counter, jobs } })
    return promises
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

  /**
   * Starts the worker threads before the first job, for a build that will surely give them
   * work: each spends ~0.1 s of CPU starting Node, which the build's start leaves a core free for.
   */
  warm(): void {
    if (this.workers.length === 0) this.start()
  }

  /** Whether worker threads have been started. */
  get started(): boolean {
    return this.workers.length > 0
  }

  /**
   * Runs jobs on this thread, one after another. For a few small files, starting the worker
   * threads costs more than the work: each compiles Node's internals before its first job
   * (~25 ms alone, several times that beside a build's other threads on two cores).
   */
  runHere<R extends JobResult>(jobs: Job[]): Promise<R>[] {
    // A rebuild whose files are all in place has no jobs: it never loads the job code (and zlib).
    if (!jobs.length) return []
    const jobsModule = import('./workers/asset-jobs.js')
    let previous: Promise<unknown> = Promise.resolve()
    return jobs.map((job) => {
      const result = previous.then(() => jobsModule).then(({ runJob }) => runJob(job)) as Promise<R>
      previous = result.catch(() => {})
      return result
    })
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}

/**
 * How many worker threads a build gets. Hashing and copying static files is light next to
 * the work beside it (this thread's stylesheets, esbuild's own threads), so one core is left
 * to those: on two cores one worker finished a cold build 5% sooner than two did (medium
 * corpus, 30 interleaved pairs), each worker also spending ~0.1 s of CPU starting Node.
 * Compressing (brotli) is heavy work of its own, and gets every core.
 */
export function workersFor(compressing: boolean, cores = os.availableParallelism()): number {
  return Math.max(1, compressing ? cores : cores - 1)
}

/** A worker's error, as an Error on this thread. */
export function errorOf(e: JobError): NodeJS.ErrnoException {
  return Object.assign(new Error(e.message), { code: e.code, path: e.path })
}
