// A deterministic benchmark corpus (seeded PRNG): JS/TS entries over a module graph with
// shared and lazy chunks, CSS entries over partials whose url()s reach images and fonts
// (with ?query, #fragment, data: and absolute URLs among them), and static files of
// realistic sizes. `medium` ≈ 4 entries / 800 modules / 3 CSS entries / 150 partials /
// 1,500 static files / ~64 MB; `small` is a tenth of that, `large` five times. Each corpus
// is a project of its own (a package.json beside src/). manifestCorpus() is the tree of
// 10,000 small static files whose Kiln-written manifest the runtime bench loads.
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

export const SCALES = {
  small: { modules: 80, partials: 15, statics: 150, bytes: 6.4e6 },
  medium: { modules: 800, partials: 150, statics: 1500, bytes: 64e6 },
  large: { modules: 4000, partials: 750, statics: 7500, bytes: 320e6 },
}

/** A small seeded PRNG (mulberry32): the same seed gives the same corpus, and the same test trials. */
export function mulberry32(seed) {
  return () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS = 'alpha beta gamma delta kiln forge ember glaze clay fire ash smoke oven brick tile stone flame heat cool vessel pot bowl jar cup plate mug vase urn'.split(' ')

/** Writes the corpus for `scale` into `dir` (once: a stamp file records what is there). */
export function generate(dir, scale = 'medium', seed = 42) {
  const s = SCALES[scale]
  const stamp = path.join(dir, '.corpus.json')
  const want = JSON.stringify({ scale, seed, version: 4 })
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === want) return describe(dir)
  fs.rmSync(dir, { recursive: true, force: true })
  const rand = mulberry32(seed)
  const pick = (xs) => xs[Math.floor(rand() * xs.length)]
  const int = (a, b) => a + Math.floor(rand() * (b - a + 1))
  const words = (n) => Array.from({ length: n }, () => pick(WORDS)).join(' ')
  const src = path.join(dir, 'src')
  const put = (rel, content) => {
    const f = path.join(src, rel)
    fs.mkdirSync(path.dirname(f), { recursive: true })
    fs.writeFileSync(f, content)
  }

  // Static files: sizes from 1 KB to 2 MB, most small, scaled to the target total.
  const kinds = [
    { dir: 'images', ext: 'png', text: false, weight: 5 }, { dir: 'images', ext: 'jpg', text: false, weight: 3 },
    { dir: 'images', ext: 'svg', text: true, weight: 2 }, { dir: 'fonts', ext: 'woff2', text: false, weight: 1 },
    { dir: 'data', ext: 'json', text: true, weight: 2 }, { dir: 'docs', ext: 'txt', text: true, weight: 1 },
  ]
  const weighted = kinds.flatMap((k) => Array(k.weight).fill(k))
  const raw = Array.from({ length: s.statics }, () => Math.exp(Math.log(2048) * rand() ** 3.2))
  const scaleBy = s.bytes / (raw.reduce((a, b) => a + b, 0) * 1024)
  const statics = []
  for (let i = 0; i < s.statics; i++) {
    const k = weighted[i % weighted.length]
    const size = Math.max(1024, Math.min(2 * 1024 * 1024, Math.round(raw[i] * 1024 * scaleBy)))
    const rel = `static/${k.dir}/g${i % 20}/${k.dir.slice(0, -1)}-${i}.${k.ext}`
    let content
    if (k.text) {
      const line = k.ext === 'svg' ? `<path d="M${int(0, 99)} ${int(0, 99)}L${int(0, 99)} ${int(0, 99)}" fill="#${int(0, 0xffffff).toString(16).padStart(6, '0')}"/>\n`
        : k.ext === 'json' ? `{"id":${int(0, 1e6)},"name":"${words(3)}","tags":["${pick(WORDS)}","${pick(WORDS)}"]},\n` : `${words(12)}.\n`
      let text = k.ext === 'svg' ? '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">\n' : k.ext === 'json' ? '[\n' : ''
      while (text.length < size) text += line.replace(/\d+/g, () => String(int(0, 999)))
      content = text.slice(0, size)
    } else {
      content = crypto.createHash('sha256').update(`${seed}:${i}`).digest()
      const blocks = [content]
      for (let n = 32; n < size; n += 32) blocks.push((content = crypto.createHash('sha256').update(content).digest()))
      content = Buffer.concat(blocks).subarray(0, size)
    }
    put(rel, content)
    statics.push({ rel, ext: k.ext, dir: k.dir })
  }
  const images = statics.filter((x) => x.dir === 'images')
  const fonts = statics.filter((x) => x.dir === 'fonts')

  // Modules: a DAG (module i imports only modules with larger indices).
  const mods = Array.from({ length: s.modules }, (_, i) => `lib/g${i % 16}/mod${i}`)
  for (let i = 0; i < s.modules; i++) {
    const deps = new Set()
    for (let d = 0; d < 3; d++) if (i + 1 < s.modules && rand() < 0.7) deps.add(int(i + 1, Math.min(s.modules - 1, i + 60)))
    const rel = mods[i]
    const imports = [...deps].map((d) => `import { fn${d} } from '${path.posix.relative(path.posix.dirname(rel), mods[d]).replace(/^(?!\.)/, './')}'`)
    const body = []
    for (let f = 0; f < 4; f++) {
      body.push(`export function helper${i}_${f}(input: string, count: number): string[] {\n  const out: string[] = []\n  for (let k = 0; k < count; k++) out.push(\`${words(4)} \${input} \${k}\`)\n  return out.filter((x) => x.length > ${int(3, 30)})\n}`)
    }
    body.push(`export class Widget${i} {\n  private items: Map<string, number> = new Map()\n  add(key: string, value = ${int(1, 99)}): this {\n    this.items.set(key, (this.items.get(key) ?? 0) + value)\n    return this\n  }\n  total(): number {\n    let sum = 0\n    for (const v of this.items.values()) sum += v\n    return sum * ${int(2, 9)}\n  }\n}`)
    body.push(`export function fn${i}(x: number): number {\n  return ${[...deps].map((d) => `fn${d}(x + ${int(1, 9)})`).join(' + ') || int(1, 99)} + new Widget${i}().add('${pick(WORDS)}').total() + x\n}`)
    put(`${rel}.ts`, `${imports.join('\n')}\n\n${body.join('\n\n')}\n`)
  }
  // Entries: each imports a random slice of the graph (overlaps → shared chunks) and loads three lazily.
  const entries = ['app.ts', 'admin.ts', 'shop.ts', 'blog.js']
  for (const e of entries) {
    const chosen = new Set(Array.from({ length: Math.max(3, Math.round(s.modules / 25)) }, () => int(0, s.modules - 1)))
    const lazy = Array.from({ length: 3 }, () => int(0, s.modules - 1))
    const lines = [...chosen].map((i) => `import { fn${i} } from './${mods[i]}'`)
    const logo = pick(images.filter((x) => x.ext === 'svg'))
    if (logo) lines.push(`import logo from './${logo.rel}'`)
    lines.push(`export const result = [${[...chosen].map((i) => `fn${i}(1)`).join(', ')}]`)
    if (logo) lines.push('export const logoUrl = logo')
    for (const l of lazy) lines.push(`export const lazy${l} = () => import('./${mods[l]}').then((m) => m.fn${l}(2))`)
    put(e, lines.join('\n') + '\n')
  }

  // Stylesheets: three entries over the partials; url()s of every kind.
  const urlFor = (from) => {
    const r = rand()
    if (r < 0.05) return 'url(data:image/gif;base64,R0lGODlhAQABAAAAACw=)'
    if (r < 0.1) return `url(https://cdn.example.com/${pick(WORDS)}.png)`
    const target = rand() < 0.2 && fonts.length ? pick(fonts) : pick(images)
    const rel = path.posix.relative(path.posix.dirname(from), target.rel)
    const suffix = r < 0.2 ? `?v=${int(1, 9)}` : r < 0.25 && target.ext === 'svg' ? '#icon' : ''
    return pick([`url(${rel}${suffix})`, `url("${rel}${suffix}")`, `url('${rel}${suffix}')`])
  }
  const partials = Array.from({ length: s.partials }, (_, j) => `styles/partials/p${j}.css`)
  partials.forEach((p, j) => {
    const rules = []
    for (let r = 0; r < 30; r++) {
      const decls = [`color: #${int(0, 0xffffff).toString(16).padStart(6, '0')}`, `margin: ${int(0, 20)}px ${int(0, 20)}px`, 'display: flex']
      if (r % 4 === 0) decls.push(`background: ${urlFor(p)} no-repeat`)
      if (r % 7 === 0) decls.push('user-select: none', 'appearance: none')
      rules.push(`.p${j}-r${r} .${pick(WORDS)} {\n  ${decls.join(';\n  ')};\n}`)
    }
    if (j % 10 === 0 && fonts.length) rules.push(`@font-face {\n  font-family: "F${j}";\n  src: ${urlFor(p).replace(/\)$/, ')')} format("woff2");\n}`)
    put(p, rules.join('\n\n') + '\n')
  })
  const cssEntries = ['site.css', 'admin.css', 'print.css']
  cssEntries.forEach((c, n) => {
    const mine = partials.filter((_, j) => j % cssEntries.length === n)
    put(c, mine.map((p, k) => (k % 9 === 0 ? `@import url("./${p}") screen;` : `@import "./${p}";`)).join('\n') + `\nbody { background: ${urlFor(c)}; }\n`)
  })
  fs.writeFileSync(path.join(dir, 'package.json'), PACKAGE)
  fs.writeFileSync(path.join(dir, '.corpus.json'), want)
  return describe(dir)
}

const PACKAGE = '{ "private": true, "type": "module" }\n'

/** `n` small static files in 50 directories, names as long as a real app's: one asset each. */
export function manifestCorpus(dir, n = 10_000) {
  const stamp = path.join(dir, '.corpus.json')
  const want = JSON.stringify({ manifest: n, version: 1 })
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === want) return { dir, src: path.join(dir, 'src'), files: n }
  fs.rmSync(dir, { recursive: true, force: true })
  const exts = ['png', 'svg', 'png', 'jpg', 'json', 'png', 'woff2', 'txt']
  for (let d = 0; d < 50; d++) fs.mkdirSync(path.join(dir, 'src', `dir${d}`), { recursive: true })
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, 'src', `dir${i % 50}`, `asset${i}.${exts[i % exts.length]}`), `${i} ${WORDS[i % WORDS.length]}\n`.repeat(8))
  fs.writeFileSync(path.join(dir, 'package.json'), PACKAGE)
  fs.writeFileSync(stamp, want)
  return { dir, src: path.join(dir, 'src'), files: n }
}

export function describe(dir) {
  const src = path.join(dir, 'src')
  let files = 0
  let bytes = 0
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else {
        files++
        bytes += fs.statSync(p).size
      }
    }
  }
  walk(src)
  const read = (f) => fs.readdirSync(src).filter((x) => x.endsWith(f))
  return { dir, src, files, bytes, jsEntries: [...read('.ts'), ...read('.js')].sort(), cssEntries: read('.css').sort() }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const scale = process.argv[2] ?? 'medium'
  console.log(generate(path.join(path.dirname(new URL(import.meta.url).pathname), 'corpus', scale), scale))
}
