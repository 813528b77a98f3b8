import './styles/widget.scss'

const root = document.getElementById('app')!
root.innerHTML = '<p id="entry" class="from-entry">From site.scss</p><p id="js" class="from-js"><span id="label" class="from-js__label">From widget.scss</span></p>'
;(window as any).__probe = { ok: true, app: 'sass' }
