// Inlines local @import rules, keeping their conditions: `@import url(x.css) layer(base)
// supports(display: grid) screen` becomes `@media screen { @supports (display: grid) {
// @layer base { …x.css… } } }`. Remote imports stay and are hoisted to the top.
import fs from 'node:fs'
import path from 'node:path'
import postcss, { type AtRule, type ChildNode, type Root } from 'postcss'
import valueParser from 'postcss-value-parser'
import { buildError, displayPath, type Location } from '../diagnostics.js'
import { parseStylesheet } from './parse.js'
import { didYouMean, localReference, packageStyle, resolveReference } from './references.js'
import { hasConditions, nestedImportParams } from './import-conditions.js'

export interface ImportContext {
  cwd: string
  root: string
  publicPath: string
  /** Every stylesheet read, for cache keys and watch. */
  files: Set<string>
}

interface ImportRule {
  url: string
  layer?: string
  supports?: string
  media?: string
}

export function inlineImports(sheet: Root, file: string, ctx: ImportContext, stack: string[] = [file]): void {
  ctx.files.add(file)
  const remote: AtRule[] = []
  for (const node of [...(sheet.nodes ?? [])]) {
    if (node.type !== 'atrule') continue
    if (node.name.toLowerCase() === 'charset' && stack.length > 1) {
      node.remove()
      continue
    }
    if (node.name.toLowerCase() !== 'import') continue
    const rule = parseImport(node, ctx)
    const ref = localReference(rule.url)
    if (!ref) {
      remote.push(node)
      continue
    }
    const target = resolveImport(ref.pathname, file, node, ctx)
    if (stack.includes(target)) {
      const chain = [...stack.slice(stack.indexOf(target)), target].map((f) => displayPath(f, ctx.cwd)).join(' → ')
      throw buildError(`Circular @import: ${chain}`, where(node, ctx), 'remove one of the @import rules in the cycle')
    }
    if (/\.(s[ac]ss|less|styl|stylus)$/i.test(target)) {
      throw buildError(`A stylesheet in another language cannot be @imported into CSS: ${displayPath(target, ctx.cwd)}`, where(node, ctx),
        'make it an entry of its own, @use/@import it from a .scss/.less file, or import it from JS')
    }
    const imported = parseStylesheet(target, ctx.cwd)
    inlineImports(imported, target, ctx, [...stack, target])
    for (const hoisted of imported.nodes.filter(isImport) as AtRule[]) {
      // It leaves the conditions `target` was imported with, so it takes them along (import-conditions.ts).
      if (hasConditions(rule)) hoisted.params = nestedImportParams(urlToken(hoisted), parseImport(hoisted, ctx), rule)
      remote.push(hoisted)
    }
    node.replaceWith(wrap(imported.nodes.filter((n) => !isImport(n)), rule, node))
  }
  // Remote @imports (this file's and those hoisted from its imports) must precede every
  // other rule to stay valid: move them to the top, in document order, after the @charset and
  // the @layer statements that may precede them (those set the layers' order).
  if (!remote.length) return
  for (const r of remote) r.remove()
  const first = sheet.nodes.find((n) => !(n.type === 'comment' || (n.type === 'atrule' && (n.name.toLowerCase() === 'charset' || (n.name.toLowerCase() === 'layer' && !n.nodes)))))
  if (first) sheet.insertBefore(first, remote)
  else sheet.append(...remote)
}

/** The URL of an @import as written: `url(…)` or a string. */
function urlToken(node: AtRule): string {
  return valueParser.stringify(valueParser(node.params).nodes.find((n) => n.type !== 'space' && n.type !== 'comment')!)
}

function isImport(n: ChildNode): boolean {
  return n.type === 'atrule' && n.name.toLowerCase() === 'import'
}

function parseImport(node: AtRule, ctx: ImportContext): ImportRule {
  const nodes = valueParser(node.params).nodes
  let i = nodes.findIndex((n) => n.type !== 'space' && n.type !== 'comment')
  const first = nodes[i]
  let url: string | undefined
  if (first?.type === 'string') url = first.value
  else if (first?.type === 'function' && first.value.toLowerCase() === 'url') url = valueParser.stringify(first.nodes).trim().replace(/^(["'])(.*)\1$/, '$2')
  if (url === undefined) throw buildError(`Cannot read @import "${node.params}"`, where(node, ctx), 'write @import "file.css" or @import url(file.css)')
  const rule: ImportRule = { url }
  for (i++; i < nodes.length; i++) {
    const n = nodes[i]!
    if (n.type === 'space' || n.type === 'comment') continue
    if (n.type === 'word' && n.value.toLowerCase() === 'layer') rule.layer = ''
    else if (n.type === 'function' && n.value.toLowerCase() === 'layer') rule.layer = valueParser.stringify(n.nodes).trim()
    else if (n.type === 'function' && n.value.toLowerCase() === 'supports') rule.supports = valueParser.stringify(n.nodes).trim()
    else {
      rule.media = valueParser.stringify(nodes.slice(i)).trim()
      break
    }
  }
  return rule
}

function resolveImport(pathname: string, from: string, node: AtRule, ctx: ImportContext): string {
  for (const candidate of resolveReference({ pathname, suffix: '' }, from, ctx.root, ctx.publicPath, true)) {
    for (const file of [candidate, `${candidate}.css`]) {
      const stat = fs.statSync(file, { throwIfNoEntry: false })
      if (stat?.isFile()) return file
      if (stat?.isDirectory() && file === candidate) {
        const style = packageStyle(file)
        if (style && fs.existsSync(style)) return style
      }
    }
  }
  const looked = `looked relative to ${displayPath(path.dirname(from), ctx.cwd) || '.'}${pathname.startsWith('.') ? '' : ' and in node_modules'}`
  const err = buildError(`Cannot find "${pathname}" imported by @import`, where(node, ctx), looked)
  // `.css` may be left out of an @import, so the name is compared with and without it.
  const hint = didYouMean(pathname, from, ctx.root, ctx.publicPath, 'module')
  if (hint) err.errors[0]!.notes.unshift({ text: hint })
  throw err
}

function wrap(nodes: ChildNode[], rule: ImportRule, at: AtRule): ChildNode[] {
  let inner = nodes
  const source = at.source
  if (rule.layer !== undefined) inner = [postcss.atRule({ name: 'layer', params: rule.layer, nodes: inner, source })]
  if (rule.supports) inner = [postcss.atRule({ name: 'supports', params: `(${rule.supports})`, nodes: inner, source })]
  if (rule.media) inner = [postcss.atRule({ name: 'media', params: rule.media, nodes: inner, source })]
  return inner
}

export function where(node: postcss.Node, ctx: { cwd: string }): Location | null {
  const start = node.source?.start
  const file = node.source?.input.file
  if (!start || !file) return null
  const lineText = node.source?.input.css.split(/\r?\n/)[start.line - 1]
  return { file: displayPath(file, ctx.cwd), line: start.line, column: start.column - 1, lineText }
}
