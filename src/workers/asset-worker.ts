// Worker thread entry: runs asset jobs and posts results back to the pool.
import { parentPort } from 'node:worker_threads'
import { runJob, type Job } from './asset-jobs.js'
import { jobError } from './job-files.js'

parentPort!.on('message', ({ id, job }: { id: number; job: Job }) => {
  runJob(job).then(
    (result) => parentPort!.postMessage({ id, result }),
    (err: NodeJS.ErrnoException) => parentPort!.postMessage({ id, error: jobError(err) }),
  )
})
