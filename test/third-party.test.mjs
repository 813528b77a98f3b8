// Real libraries' stylesheets (KaTeX, Font Awesome, Leaflet), with their fonts and images:
// every local url() in the output must name a file the manifest lists and the disk holds.
import fs from 'node:fs'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import valueParser from 'postcss-value-parser'
import { kiln, manifestOf, project, remove, sri, REPO } from './helpers.mjs'

/** Every url() in a stylesheet, via a real value parser. */
function urlsIn(css) {
  const found = []
  valueParser(css).walk((n) => {
    if (n.type === 'function' && n.value === 'url') found.push(valueParser.stringify(n.nodes).replace(/^["']|["']$/g, ''))
  })
  return found
}

function checkEveryUrl(dir, cssFile) {
  const m = manifestOf(dir)
  const css = fs.readFileSync(path.join(dir, 'public/assets', cssFile), 'utf8')
  const local = urlsIn(css).filter((u) => !/^(data:|#|https?:|\/\/)/.test(u))
  for (const u of local) {
    const file = decodeURIComponent(path.posix.join(path.posix.dirname(cssFile), u.replace(/[?#].*$/, '')))
    assert.ok(m.files[file], `${u} → ${file} is listed`)
    assert.is(sri(fs.readFileSync(path.join(dir, 'public/assets', file))), m.files[file].integrity, `${file} bytes match`)
  }
  return { css, local }
}

const libs = suite('third-party stylesheets from node_modules')

libs('should build KaTeX, Font Awesome and Leaflet CSS with --strict and resolve every font and image', async () => {
  const dir = project({
    'assets/vendor.css': '@import "katex/dist/katex.css";\n@import "@fortawesome/fontawesome-free/css/all.css";\n@import "leaflet/dist/leaflet.css";\n',
  })
  try {
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'))
    const r = await kiln(['build', '--strict'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    const m = manifestOf(dir)
    const { css, local } = checkEveryUrl(dir, m.assets['vendor.css'])
    assert.ok(local.filter((u) => u.includes('KaTeX_')).length >= 50, 'KaTeX fonts')
    assert.ok(local.some((u) => /^_\/@fortawesome\/fontawesome-free\/webfonts\/fa-solid-900-[A-Z2-7]{8}\.woff2$/.test(u)), 'Font Awesome fonts')
    assert.ok(local.some((u) => /^_\/leaflet\/dist\/images\/layers-[A-Z2-7]{8}\.png$/.test(u)), 'Leaflet images')
    assert.ok(css.includes('url(#default#VML)'), 'Leaflet VML behaviour untouched')
    assert.not.match(css, /@import/)
  } finally {
    remove(dir)
  }
})

libs.run()

const copied = suite('third-party stylesheets copied into the root')

copied('should treat a vendored library dir as partials and static files', async () => {
  const files = {}
  const copy = (from, to) => {
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      const src = path.join(from, e.name)
      if (e.isDirectory()) copy(src, path.join(to, e.name))
      else files[path.join(to, e.name)] = fs.readFileSync(src)
    }
  }
  copy(path.join(REPO, 'node_modules/leaflet/dist/images'), 'assets/vendor/leaflet/images')
  files['assets/vendor/leaflet/leaflet.css'] = fs.readFileSync(path.join(REPO, 'node_modules/leaflet/dist/leaflet.css'))
  copy(path.join(REPO, 'node_modules/katex/dist/fonts'), 'assets/vendor/katex/fonts')
  files['assets/vendor/katex/katex.css'] = fs.readFileSync(path.join(REPO, 'node_modules/katex/dist/katex.css'))
  files['assets/maps.css'] = '@import "./vendor/leaflet/leaflet.css" screen;\n@import url(vendor/katex/katex.css);\n'
  const dir = project(files)
  try {
    const r = await kiln(['build', '--strict'], { cwd: dir })
    assert.is(r.code, 0, r.stderr)
    const m = manifestOf(dir)
    const { local } = checkEveryUrl(dir, m.assets['maps.css'])
    assert.ok(local.some((u) => /^vendor\/leaflet\/images\/marker-icon-[A-Z2-7]{8}\.png$/.test(u)), local.join())
    assert.ok(m.assets['vendor/katex/fonts/KaTeX_Main-Regular.woff2'], 'fonts are listed as assets')
    assert.not.ok(m.assets['vendor/leaflet/leaflet.css'], 'a partial is not an entry')
  } finally {
    remove(dir)
  }
})

copied.run()
