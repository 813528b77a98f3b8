import './app.css'
import './lib/setup.js'
import { format } from './format.js'

const app = document.getElementById('app')
app.textContent = format('commonjs package')
import('./lib/late.js').then(() => {
  window.__probe = { ok: true, text: app.textContent, setup: window.__setup === true, late: window.__late === true }
})
