// Worker thread entry: runs asset jobs and posts results back to the pool. A shared list
// (Pool.runShared) is worked through by every worker at once, each taking the next job from
// a counter they share.
import { parentPort } from 'node:worker_threads'
import { runJob, type Job } from './asset-jobs.js'
import { jobError } from './job-files.js'

const post = (id: number, index: number | undefined, job: Job) => runJob(job).then(
  (result) => parentPort!.postMessage({ id, index, result }),
  (err: NodeJS.ErrnoException) => parentPort!.postMessage({ id, index, error: jobError(err) }),
)

parentPort!.on('message', async ({ id, job, shared }: { id: number; job?: Job; shared?: { counter: Int32Array; jobs: Job[] } }) => {
  if (job) return post(id, undefined, job)
  for (let i; (i = Atomics.add(shared!.counter, 0, 1)) < shared!.jobs.length; ) {
    await post(id, i, shared!.jobs[i]!)
    // Let a job sent on its own (a file a stylesheet looked up) in between.
    await new Promise((resolve) => setImmediate(resolve))
  }
  parentPort!.postMessage({ id, done: true })
})
