// The conditions of a remote @import hoisted out of the stylesheets it was imported through.
// Kiln inlines `@import "x.css" screen layer(base)` by wrapping x.css's rules in
// `@media screen { @layer base { … } }`; an @import inside x.css cannot be wrapped (it must
// come first in the file), so it takes the conditions of every @import it was inside as well
// as its own: `@import url(https://…/a.css) print` there becomes
// `@import url(https://…/a.css) layer(base) print and screen`… where that can be written;
// where it cannot (a `not` query nested in another query, an anonymous layer nested in a
// layer), it becomes an @import of a data: stylesheet that holds the inner @import, with the
// outer conditions (as esbuild bundles such imports): the same meaning, never a lost condition.
import valueParser from 'postcss-value-parser'

export interface ImportConditions {
  /** '' for an anonymous `layer`. */
  layer?: string
  /** The condition inside supports(…). */
  supports?: string
  /** A media query list. */
  media?: string
}

export function hasConditions(c: ImportConditions): boolean {
  return c.layer !== undefined || c.supports !== undefined || c.media !== undefined
}

/**
 * The params of an @import of `url` (as written: `url(…)` or a string) with `inner` conditions,
 * imported from a stylesheet that was itself imported with `outer` ones.
 */
export function nestedImportParams(url: string, inner: ImportConditions, outer: ImportConditions): string {
  const both = nest(outer, inner)
  if (both) return importParams(url, both)
  const data = `@import ${importParams(url, inner)};`
  return importParams(`url("data:text/css,${encodeURIComponent(data)}")`, outer)
}

function importParams(url: string, c: ImportConditions): string {
  const parts = [url]
  if (c.layer !== undefined) parts.push(c.layer ? `layer(${c.layer})` : 'layer')
  if (c.supports !== undefined) parts.push(`supports(${c.supports})`)
  if (c.media !== undefined) parts.push(c.media)
  return parts.join(' ')
}

/** Conditions that hold when both `outer` and `inner` do, or null when one @import cannot say so. */
function nest(outer: ImportConditions, inner: ImportConditions): ImportConditions | null {
  const out: ImportConditions = {}
  if (outer.layer !== undefined && inner.layer !== undefined) {
    // An anonymous layer has no name to nest under, or to nest.
    if (!outer.layer || !inner.layer) return null
    out.layer = `${outer.layer}.${inner.layer}`
  } else if (outer.layer !== undefined || inner.layer !== undefined) out.layer = outer.layer ?? inner.layer
  if (outer.supports !== undefined && inner.supports !== undefined) out.supports = `(${outer.supports}) and (${inner.supports})`
  else if (outer.supports !== undefined || inner.supports !== undefined) out.supports = outer.supports ?? inner.supports
  if (outer.media !== undefined && inner.media !== undefined) {
    const media = andMediaLists(outer.media, inner.media)
    if (media === null) return null
    out.media = media
  } else if (outer.media !== undefined || inner.media !== undefined) out.media = outer.media ?? inner.media
  return out
}

interface Query {
  modifier?: 'only' | 'not'
  type?: string
  condition?: string
}

/** Media query lists a and b both matching: each pair of their queries joined; `not all` when no pair can match. */
export function andMediaLists(a: string, b: string): string | null {
  const out: string[] = []
  for (const qa of splitList(a)) {
    for (const qb of splitList(b)) {
      const pa = parseQuery(qa)
      const pb = parseQuery(qb)
      if (!pa || !pb) return null
      const joined = andQueries(pa, pb)
      if (joined === null) return null
      if (joined !== false && !out.includes(joined)) out.push(joined)
    }
  }
  return out.length ? out.join(', ') : 'not all'
}

function splitList(list: string): string[] {
  const parts = ['']
  for (const n of valueParser(list).nodes) {
    if (n.type === 'div' && n.value === ',') parts.push('')
    else parts[parts.length - 1] += valueParser.stringify(n)
  }
  return parts.map((p) => p.trim()).filter(Boolean)
}

const QUERY = /^(?:(only|not)\s+)?([a-z][\w-]*)(?:\s+and\s+([\s\S]+))?$/i

function parseQuery(q: string): Query | null {
  if (q.startsWith('(') || /^not\s*\(/i.test(q)) return { condition: q }
  const m = QUERY.exec(q)
  if (!m || /^(and|or|not|only)$/i.test(m[2]!)) return null
  return { modifier: m[1]?.toLowerCase() as Query['modifier'], type: m[2], condition: m[3]?.trim() }
}

/** One query for both, false when none can match (two different media types), null when it cannot be written. */
function andQueries(a: Query, b: Query): string | false | null {
  const trivial = (q: Query) => !q.modifier && !q.condition && (q.type === undefined || q.type.toLowerCase() === 'all')
  if (a.modifier === 'not' || b.modifier === 'not') {
    if (trivial(a)) return print(b)
    if (trivial(b)) return print(a)
    return null
  }
  const ta = a.type?.toLowerCase() ?? 'all'
  const tb = b.type?.toLowerCase() ?? 'all'
  if (ta !== 'all' && tb !== 'all' && ta !== tb) return false
  // `all` says nothing: left out (print() gives `all` back when nothing else is left).
  const type = ta !== 'all' ? a.type : tb !== 'all' ? b.type : undefined
  const conditions = [a.condition, b.condition].filter((c): c is string => !!c).map(grouped)
  return print({ modifier: (a.modifier ?? b.modifier) && type ? 'only' : undefined, type, condition: conditions.join(' and ') || undefined })
}

/** A condition as one operand of `and`: in parentheses unless it is already a chain of `and`s. */
function grouped(c: string): string {
  const top = valueParser(c).nodes.filter((n) => n.type === 'word').map((n) => n.value.toLowerCase())
  return top.includes('or') || top[0] === 'not' ? `(${c})` : c
}

function print(q: Query): string {
  if (q.type === undefined) return q.condition ?? 'all'
  return [q.modifier, q.type].filter(Boolean).join(' ') + (q.condition ? ` and ${q.condition}` : '')
}
