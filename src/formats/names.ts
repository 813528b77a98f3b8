// The names other ecosystems' helpers ask for. Kiln's manifest is keyed by source
// (`app.ts`, `theme.scss`); Rails' `javascript_include_tag 'app'` asks for `app.js` and
// Django's `{% static 'app.css' %}` for `app.css`. So each compatibility manifest maps, besides
// every logical name, the name of what was written: `app.js` for `app.ts`, `theme.css` for
// `theme.scss`, and `app.css` for the one stylesheet a script entry imports. A real asset of
// that name always wins; an alias two assets would claim is left out, with a warning.
import path from 'node:path'
import { assetEntries, type Manifest } from '../manifest.js'

export const FORMAT_NAMES = ['sprockets', 'propshaft', 'django', 'vite'] as const
export type FormatName = (typeof FORMAT_NAMES)[number]

export interface Named {
  file: string
  integrity: string
  size: number
  /** For an alias: the logical name it stands for. */
  aliasOf?: string
}

export interface NameTable {
  /** Every name → what it resolves to: logical names and aliases, sorted by name. */
  names: Map<string, Named>
  /** For each file named: the name a helper asks for it by (`app.js`, not `app.ts`). */
  logicalPath: Map<string, string>
  /** Aliases left out because two assets would claim them. */
  ambiguous: { alias: string; claimants: string[] }[]
}

/** Output-extension aliases (tier 1) before the stylesheet of a script entry (tier 2). */
export function nameTable(m: Manifest): NameTable {
  const found = new Map<string, Named>()
  const assets = assetEntries(m)
  for (const [name, a] of assets) found.set(name, { file: a.file, integrity: a.integrity, size: a.size })
  const ambiguous: NameTable['ambiguous'] = []
  const tiers: Map<string, Named[]>[] = [new Map(), new Map()]
  const claim = (tier: number, alias: string, aliasOf: string, file: string) => {
    const rec = m.files[file]
    if (!rec || found.has(alias)) return
    const list = tiers[tier]!.get(alias) ?? []
    list.push({ file, integrity: rec.integrity, size: rec.size, aliasOf })
    tiers[tier]!.set(alias, list)
  }
  for (const [name, a] of assets) {
    const stem = name.slice(0, name.length - path.posix.extname(name).length)
    const ext = path.posix.extname(a.file)
    if (ext && ext !== path.posix.extname(name)) claim(0, stem + ext, name, a.file)
    if (a.type === 'text/javascript' && a.css?.length === 1) claim(1, `${stem}.css`, name, a.css[0]!)
  }
  for (const tier of tiers) {
    for (const [alias, claims] of [...tier].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (found.has(alias)) continue
      if (new Set(claims.map((c) => c.file)).size > 1) ambiguous.push({ alias, claimants: claims.map((c) => c.aliasOf!).sort() })
      else found.set(alias, claims[0]!)
    }
  }
  const names = new Map([...found].sort(([a], [b]) => (a < b ? -1 : 1)))
  const logicalPath = new Map<string, string>()
  for (const [name, n] of names) {
    const best = logicalPath.get(n.file)
    const fits = (x: string) => path.posix.extname(x) === path.posix.extname(n.file)
    if (best === undefined || (!fits(best) && fits(name))) logicalPath.set(n.file, name)
  }
  return { names, logicalPath, ambiguous }
}

/** `#` and `?` start a URL's fragment and query: no helper can ask for a name that holds one. */
export function unexpressible(name: string): '#' | '?' | null {
  return name.includes('#') ? '#' : name.includes('?') ? '?' : null
}
