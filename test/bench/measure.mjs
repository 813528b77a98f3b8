// Measuring: one child process's wall time and the peak resident memory of its whole
// process tree (node plus, e.g., esbuild's service), and the interleaved rounds over cases.
import { spawn } from 'node:child_process'
import fs from 'node:fs'

const PAGE = 4096

/**
 * Peak RSS of a process tree, sampled from /proc. Cheap enough not to load the machine it
 * measures: a pid's parent is read once (processes newer than the root only), the tree's
 * members' statm on every tick.
 */
function rssSampler(root) {
  const inTree = new Set([root])
  const seen = new Set()
  let peak = 0
  return {
    sample() {
      try {
        for (const name of fs.readdirSync('/proc')) {
          const pid = Number(name)
          if (!(pid > root) || seen.has(pid)) continue
          seen.add(pid)
          try {
            const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
            if (inTree.has(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))) inTree.add(pid)
          } catch {}
        }
      } catch {
        return // no /proc: no memory figures
      }
      let total = 0
      for (const pid of inTree) {
        try {
          total += Number(fs.readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE
        } catch {
          if (pid !== root) inTree.delete(pid)
        }
      }
      peak = Math.max(peak, total)
    },
    get peak() {
      return peak
    },
  }
}

/** { ms, rss, stdout } of one run; rejects with the output's tail on a non-zero exit. */
export function measure(cmd, args, { cwd, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const rss = rssSampler(child.pid)
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setInterval(() => rss.sample(), 25)
    child.on('error', reject)
    child.on('close', (code) => {
      const ms = performance.now() - started
      clearInterval(timer)
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${(stdout + stderr).slice(-2000)}`))
      else resolve({ ms, rss: rss.peak, stdout })
    })
  })
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export const stats = (xs) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs })

/**
 * Runs the cases round-robin: each case's prepare() once, then one warm-up round that is not
 * counted, then `runs` rounds of case A, case B, … in the same order; setup() before each run
 * is not timed. Returns { [case]: { median, min, max, runs, rss, outputs } } (rss: peak over runs).
 */
export async function interleave(cases, { runs, log = () => {} }) {
  for (const c of cases) await c.prepare?.()
  const results = Object.fromEntries(cases.map((c) => [c.name, { times: [], rss: 0, outputs: [] }]))
  for (let round = 0; round <= runs; round++) {
    const times = []
    for (const c of cases) {
      await c.setup?.()
      const r = await measure(c.cmd, c.args, { cwd: c.cwd, env: c.env })
      times.push(`${c.name} ${r.ms.toFixed(0)}`)
      if (round === 0) continue
      const mine = results[c.name]
      mine.times.push(r.ms)
      mine.rss = Math.max(mine.rss, r.rss)
      mine.outputs.push(r.stdout)
    }
    log(`${round === 0 ? 'warm-up' : `round ${round}/${runs}`}: ${times.join(', ')} ms`)
  }
  return Object.fromEntries(Object.entries(results).map(([name, r]) => [name, { ...stats(r.times), rss: r.rss, outputs: r.outputs }]))
}
