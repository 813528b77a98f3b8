export function primesBelow(n: number): number[] {
  const out: number[] = []
  for (let i = 2; i < n; i++) if (out.every((p) => i % p !== 0)) out.push(i)
  return out
}
