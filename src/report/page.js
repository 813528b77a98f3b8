// The report page's script, inlined into report.html: renders the model in #kiln-data. No
// network, no dependencies; the treemap is recursive bisection of <button>s (keyboard focusable).
;(function () {
  'use strict'
  var data = JSON.parse(document.getElementById('kiln-data').textContent)
  var $ = function (id) { return document.getElementById(id) }
  function el(tag, attrs, children) {
    var e = document.createElement(tag)
    for (var k in attrs || {}) {
      if (k === 'text') e.textContent = attrs[k]
      else e.setAttribute(k, attrs[k])
    }
    ;(children || []).forEach(function (c) { e.appendChild(c) })
    return e
  }
  function size(n) {
    if (n === null || n === undefined) return '—'
    if (n < 1000) return n + ' B'
    if (n < 1e6) return (n / 1000).toFixed(1) + ' kB'
    return (n / 1e6).toFixed(2) + ' MB'
  }
  function sum(list, key) { return list.reduce(function (n, x) { return n + x[key] }, 0) }
  function table(head, rows, numeric) {
    var t = el('table', {}, [el('thead', {}, [el('tr', {}, head.map(function (h, i) { return el('th', { scope: 'col', class: numeric[i] ? 'n' : '' , text: h }) }))])])
    var body = el('tbody')
    rows.forEach(function (r) { body.appendChild(el('tr', {}, r.map(function (c, i) { return c instanceof Node ? el('td', {}, [c]) : el('td', { class: numeric[i] ? 'n' : '', text: String(c) }) }))) })
    t.appendChild(body)
    return el('div', { class: 'scroll' }, [t])
  }
  function code(s) { return el('code', { text: s }) }

  $('meta').textContent = data.entries.length + ' entries · ' + size(data.total) + ' a browser may fetch in all'

  // Entries: initial load and lazy chunks, raw/gzip/brotli.
  data.entries.forEach(function (e) {
    var box = $('entries')
    box.appendChild(el('h3', {}, [code(e.name)]))
    var rows = []
    e.initial.forEach(function (f) { rows.push(['initial', code(f.file), size(f.raw), size(f.gzip), size(f.brotli)]) })
    rows.push(['initial total', '', size(sum(e.initial, 'raw')), size(sum(e.initial, 'gzip')), size(sum(e.initial, 'brotli'))])
    e.lazy.forEach(function (f) { rows.push(['lazy', code(f.file), size(f.raw), size(f.gzip), size(f.brotli)]) })
    box.appendChild(table(['load', 'file', 'raw', 'gzip', 'brotli'], rows, [false, false, true, true, true]))
  })

  // Treemap: outputs, then (on activation) the modules and packages of one output.
  var colors = ['#cfe3ff', '#ffe0b3', '#d4f2d4', '#f7d4ec', '#e2dcff', '#fff3b0', '#cdeff0', '#ffd6d1']
  function layout(items, x, y, w, h, out) {
    if (!items.length) return
    if (items.length === 1) { out.push({ item: items[0], x: x, y: y, w: w, h: h }); return }
    var total = sum(items, 'size') || 1
    var half = 0, i = 0
    while (i < items.length - 1 && half + items[i].size <= total / 2) half += items[i++].size
    if (i === 0) { half = items[0].size; i = 1 }
    var f = half / total
    if (w >= h) {
      layout(items.slice(0, i), x, y, w * f, h, out)
      layout(items.slice(i), x + w * f, y, w * (1 - f), h, out)
    } else {
      layout(items.slice(0, i), x, y, w, h * f, out)
      layout(items.slice(i), x, y + h * f, w, h * (1 - f), out)
    }
  }
  var zoomed = null
  function draw() {
    var box = $('treemap')
    box.textContent = ''
    var items = zoomed
      ? zoomed.modules.length ? zoomed.modules.map(function (m) { return { name: m.name, size: m.size } }) : [{ name: zoomed.file, size: zoomed.size }]
      : data.tree.map(function (t) { return { name: t.file, size: t.size, output: t } })
    items = items.filter(function (i) { return i.size > 0 }).sort(function (a, b) { return b.size - a.size })
    var cells = []
    layout(items, 0, 0, box.clientWidth, box.clientHeight, cells)
    cells.forEach(function (c, n) {
      var label = c.item.name + ', ' + size(c.item.size) + (c.item.output ? '; press Enter for its modules' : '')
      var b = el('button', { type: 'button', 'aria-label': label, title: label }, [el('span', { text: c.item.name }), el('span', { text: size(c.item.size) })])
      b.style.left = c.x + 'px'; b.style.top = c.y + 'px'; b.style.width = c.w + 'px'; b.style.height = c.h + 'px'
      b.style.background = colors[n % colors.length]
      b.addEventListener('click', function () { if (c.item.output) { zoomed = c.item.output; draw(); var first = box.querySelector('button'); if (first) first.focus() } })
      box.appendChild(b)
    })
    $('up').hidden = !zoomed
    $('where').textContent = zoomed ? zoomed.file + (zoomed.modules.length ? ' by module and package' : ' (no module sizes: built without the metafile)') : 'Every script and stylesheet output; choose one to see its modules'
  }
  $('up').addEventListener('click', function () { zoomed = null; draw(); $('up').blur() })
  window.addEventListener('resize', draw)
  draw()

  // Statics by type.
  $('statics').appendChild(data.statics.length
    ? table(['type', 'files', 'size', 'biggest'], data.statics.map(function (s) { return [s.type, s.count, size(s.size), s.files.slice(0, 3).map(function (f) { return f.name + ' ' + size(f.size) }).join(', ')] }), [false, true, true, false])
    : el('p', { text: 'No static files.' }))

  // Change against the previous manifest.
  var ch = $('changes')
  if (!data.changes) ch.appendChild(el('p', { text: 'No previous build to compare with.' }))
  else if (!data.changes.length) ch.appendChild(el('p', { text: 'Nothing changed in size.' }))
  else ch.appendChild(table(['name', 'before', 'after', 'change'], data.changes.map(function (c) {
    var what = c.before === null ? 'new' : c.after === null ? 'removed' : (c.after > c.before ? '+' : '−') + size(Math.abs(c.after - c.before))
    var s = el('span', { class: c.after !== null && c.before !== null ? (c.after > c.before ? 'grew' : 'shrank') : '', text: what })
    return [code(c.name), size(c.before), size(c.after), s]
  }), [false, true, true, true]))
})()
