// The live progress line of a long command on a terminal: drawn on stderr only when it is a
// TTY, only after the command has run for a while (short runs print nothing but their
// summary), redrawn in place and erased at the end so the summary stands alone. A build draws
// its steps (startProgress); kiln publish draws its own text through startLiveLine.
import type { Counts, ProgressSink } from './progress.js'

const REDRAW_MS = 100

export interface ProgressLine {
  sink: ProgressSink
  stop(): void
}

export interface LiveLine {
  /** Writes a whole line of its own (the live line is erased first and comes back at the next redraw). */
  print(text: string): void
  stop(): void
}

export interface LiveLineOptions {
  env?: NodeJS.ProcessEnv
  /**
   * When the stream is not a terminal (a CI log), still write the text as a plain line every
   * this many milliseconds, never in place; without it nothing is written there.
   */
  plainEvery?: number
}

/**
 * Draws `render()` (null: nothing to show now) with the seconds since the start, in text mode
 * only, never under --json or --quiet. KILN_PROGRESS_AFTER (milliseconds, default 1000) moves
 * the moment it first appears; tests set it to 0 to see it on a small run.
 */
export function startLiveLine(stream: NodeJS.WritableStream, mode: 'text' | 'json' | 'quiet', render: () => string | null, options: LiveLineOptions = {}): LiveLine {
  const tty = mode === 'text' && (stream as NodeJS.WriteStream).isTTY === true
  const plain = mode === 'text' && !tty && options.plainEvery !== undefined
  const started = Date.now()
  let drawn = false
  const text = () => {
    const body = render()
    return body === null ? null : `kiln: ${body} (${((Date.now() - started) / 1000).toFixed(1)} s)`
  }
  const draw = () => {
    const line = text()
    if (line === null) return
    if (plain) return void stream.write(`${line}\n`)
    const columns = (stream as NodeJS.WriteStream).columns || 80
    stream.write(`\r\x1b[2K${line.slice(0, columns - 1)}`)
    drawn = true
  }
  const after = Number((options.env ?? process.env).KILN_PROGRESS_AFTER ?? 1000)
  let interval: NodeJS.Timeout | undefined
  const timer = tty || plain
    ? setTimeout(() => {
        draw()
        interval = setInterval(draw, plain ? options.plainEvery : REDRAW_MS)
        interval.unref()
      }, Number.isFinite(after) && after >= 0 ? after : 1000)
    : undefined
  timer?.unref()
  return {
    print(line) {
      if (drawn) stream.write('\r\x1b[2K')
      stream.write(`${line}\n`)
    },
    stop() {
      clearTimeout(timer)
      clearInterval(interval)
      if (drawn) stream.write('\r\x1b[2K')
      drawn = false
    },
  }
}

/** A build's line: the steps running now, with their counts. The lock message also under --json (on stderr, so stdout keeps only the JSON), never under --quiet. */
export function startProgress(stream: NodeJS.WritableStream, mode: 'text' | 'json' | 'quiet', env: NodeJS.ProcessEnv = process.env): ProgressLine {
  const active = new Map<string, (() => Counts) | undefined>()
  const line = startLiveLine(stream, mode, () => {
    if (!active.size) return null
    return [...active].map(([step, counts]) => {
      const c = counts?.()
      return c && c.total ? `${step} ${c.done}/${c.total}` : step
    }).join(' · ')
  }, { env })
  return {
    sink: {
      begin: (step, counts) => void active.set(step, counts),
      end: (step) => void active.delete(step),
      waiting: ({ pid, host }) => {
        if (mode !== 'quiet') line.print(`waiting for the build in progress (pid ${pid}${host ? ` on ${host}` : ''})…`)
      },
    },
    stop: () => line.stop(),
  }
}
