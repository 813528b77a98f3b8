// "Did you mean …?" for config keys, flags and names.
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost)
    }
    prev = cur
  }
  return prev[b.length]!
}

/** The candidates nearest to `name`, best first, only those close enough to be a plausible typo. */
export function closest(name: string, candidates: Iterable<string>, max = 1): string[] {
  const scored: [number, string][] = []
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase())
    if (d <= Math.max(2, Math.floor(c.length / 3))) scored.push([d, c])
  }
  return scored.sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : 1)).slice(0, max).map((s) => s[1])
}
