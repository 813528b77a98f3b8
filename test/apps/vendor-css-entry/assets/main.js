import katex from 'katex'

const app = document.getElementById('app')
app.innerHTML = `
  <h1 class="app-title" id="title">Vendor CSS</h1>
  <button id="button" class="btn btn-primary"><i id="icon" class="bi bi-alarm"></i> Alarm</button>
  <div id="math"></div>`
katex.render('E = mc^2 + \\int_0^1 x\\,dx', document.getElementById('math'))
window.__probe = { ok: true, katex: document.querySelectorAll('#math .katex').length === 1 }
