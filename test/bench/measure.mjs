// Runs a command as a child process and measures its wall time and the peak resident
// memory of its whole process tree (node plus, e.g., esbuild's service), sampled from /proc.
import { spawn } from 'node:child_process'
import fs from 'node:fs'

const PAGE = 4096

function treeRss(root) {
  const children = new Map()
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (!children.has(ppid)) children.set(ppid, [])
      children.get(ppid).push(Number(name))
    } catch {}
  }
  let total = 0
  const stack = [root]
  while (stack.length) {
    const pid = stack.pop()
    try {
      total += Number(fs.readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE
    } catch {}
    stack.push(...(children.get(pid) ?? []))
  }
  return total
}

/** { ms, rss, stdout } of one run; rejects with the output on a non-zero exit. */
export function measure(cmd, args, { cwd, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let peak = 0
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (out += d))
    const timer = setInterval(() => (peak = Math.max(peak, treeRss(child.pid))), 25)
    child.on('close', (code) => {
      clearInterval(timer)
      const ms = performance.now() - started
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out.slice(-2000)}`))
      else resolve({ ms, rss: peak, stdout: out })
    })
  })
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
