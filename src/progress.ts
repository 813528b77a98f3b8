// What a build tells a watcher about itself while it runs (the CLI draws a progress line
// from it). Only types and a no-op: the pipeline reports, the caller decides how to show it.

export interface Counts {
  done: number
  total: number
}

export interface ProgressSink {
  /** A step started; `counts` is polled while it runs (cheap reads of the step's own tallies). */
  begin(step: string, counts?: () => Counts): void
  end(step: string): void
  /** Another process holds the artifact directory's lock: called at once, then every 10 s. */
  waiting(holder: { pid: number; host: string }): void
}

export const NO_PROGRESS: ProgressSink = { begin() {}, end() {}, waiting() {} }
