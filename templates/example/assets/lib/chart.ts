// Loaded with import() only when asked for: a lazy chunk.
export function drawChart(into: HTMLElement): void {
  const bars = [3, 5, 2, 8].map((n) => `<span class="bar" style="height:${n * 10}px"></span>`).join('')
  into.insertAdjacentHTML('beforeend', `<div class="chart" data-chart="drawn">${bars}</div>`)
}
