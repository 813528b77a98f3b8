// The live progress line of a long build on a terminal: drawn on stderr only when it is a
// TTY, only after the build has run for a while (short builds print nothing but their
// summary), redrawn in place and erased at the end so the summary stands alone.
import type { Counts, ProgressSink } from './progress.js'

const REDRAW_MS = 100

export interface ProgressLine {
  sink: ProgressSink
  stop(): void
}

/**
 * The line is drawn only in text mode; the lock message also under --json (on stderr, so
 * stdout keeps only the JSON) and never under --quiet. KILN_PROGRESS_AFTER (milliseconds, default 1000)
 * moves the moment the line appears; tests set it to 0 to see it on a small build.
 */
export function startProgress(stream: NodeJS.WritableStream, mode: 'text' | 'json' | 'quiet', env: NodeJS.ProcessEnv = process.env): ProgressLine {
  const tty = mode === 'text' && (stream as NodeJS.WriteStream).isTTY === true
  const active = new Map<string, (() => Counts) | undefined>()
  const started = Date.now()
  let drawn = false
  const draw = () => {
    if (!active.size) return
    const parts = [...active].map(([step, counts]) => {
      const c = counts?.()
      return c && c.total ? `${step} ${c.done}/${c.total}` : step
    })
    const columns = (stream as NodeJS.WriteStream).columns || 80
    const line = `kiln: ${parts.join(' · ')} (${((Date.now() - started) / 1000).toFixed(1)} s)`.slice(0, columns - 1)
    stream.write(`\r\x1b[2K${line}`)
    drawn = true
  }
  const after = Number(env.KILN_PROGRESS_AFTER ?? 1000)
  let interval: NodeJS.Timeout | undefined
  const timer = tty
    ? setTimeout(() => {
        draw()
        interval = setInterval(draw, REDRAW_MS)
        interval.unref()
      }, Number.isFinite(after) && after >= 0 ? after : 1000)
    : undefined
  timer?.unref()
  return {
    sink: {
      begin: (step, counts) => void active.set(step, counts),
      end: (step) => void active.delete(step),
      waiting: ({ pid, host }) => {
        if (mode === 'quiet') return
        if (drawn) stream.write('\r\x1b[2K')
        stream.write(`waiting for the build in progress (pid ${pid}${host ? ` on ${host}` : ''})…\n`)
      },
    },
    stop() {
      clearTimeout(timer)
      clearInterval(interval)
      if (drawn) stream.write('\r\x1b[2K')
      drawn = false
    },
  }
}
