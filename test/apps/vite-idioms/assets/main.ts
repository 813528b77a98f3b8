// The import queries and import.meta.glob as Vite documents them.
import badgeUrl from './images/badge.svg?url'
import notes from './content/notes.txt?raw'
import inlineCss from './styles/inline.css?inline'

const probe: Record<string, unknown> = { ok: false }
;(window as any).__probe = probe
const app = document.getElementById('app')!

// ?url: the fingerprinted URL of the file.
const img = document.createElement('img')
img.id = 'badge'
img.src = badgeUrl
app.append(img)

// ?inline: the CSS as a string, not added to the page by the bundler.
const style = document.createElement('style')
style.textContent = inlineCss
document.head.append(style)
const inlined = document.createElement('p')
inlined.className = 'inline-probe'
inlined.id = 'inlined'
inlined.textContent = 'styled by ?inline CSS'
app.append(inlined)

// import.meta.glob: lazy (a function per file), eager with import:, and query: '?raw'.
const pages = import.meta.glob<{ default: () => string; title: string }>('./pages/*.ts')
const data = import.meta.glob<{ name: string; value: number }>('./data/*.json', { eager: true, import: 'default' })
const docs = import.meta.glob<string>('./content/*.md', { eager: true, query: '?raw', import: 'default' })

async function run(): Promise<void> {
  const loaded = await Promise.all(Object.entries(pages).sort(([a], [b]) => a.localeCompare(b)).map(async ([path, load]) => [path, await load()] as const))
  for (const [, mod] of loaded) app.insertAdjacentHTML('beforeend', mod.default())

  Object.assign(probe, {
    ok: true,
    raw: notes,
    inlineIsCss: typeof inlineCss === 'string' && inlineCss.includes('.inline-probe'),
    urlIsString: typeof badgeUrl === 'string',
    lazy: loaded.map(([path, mod]) => `${path}:${mod.title}`).join(','),
    eager: Object.keys(data).sort().map((k) => `${k}=${data[k]!.value}`).join(','),
    docs: Object.keys(docs).sort().map((k) => docs[k]!.trim()).join('|'),
  })
}

run().catch((err) => console.error('vite-idioms failed:', err))
