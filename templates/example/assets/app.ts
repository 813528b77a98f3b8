// The main entry: renders a greeting with a shared helper, and loads the chart lazily.
import { formatGreeting } from './lib/shared'
import logoUrl from './images/logo.svg'
import './styles/widget.css'

const root = document.querySelector<HTMLElement>('#app')
if (root) {
  root.innerHTML = `<img class="logo" src="${logoUrl}" alt="Kiln"><h1>${formatGreeting('Kiln')}</h1>`
  document.querySelector('#load-chart')?.addEventListener('click', async () => {
    const { drawChart } = await import('./lib/chart')
    drawChart(root)
  })
  document.documentElement.dataset.app = 'ready'
}
