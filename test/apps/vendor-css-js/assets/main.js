// Library stylesheets imported from JS, as in a Vite app: their fonts must load under any prefix.
import 'bootstrap/dist/css/bootstrap.css'
import 'bootstrap-icons/font/bootstrap-icons.css'
import 'katex/dist/katex.css'
import katex from 'katex'

const app = document.getElementById('app')
app.innerHTML = `
  <button id="button" class="btn btn-primary"><i id="icon" class="bi bi-alarm"></i> Alarm</button>
  <div id="math"></div>`
katex.render('E = mc^2 + \\int_0^1 x\\,dx', document.getElementById('math'))
window.__probe = { ok: true, katex: document.querySelectorAll('#math .katex').length === 1 }
