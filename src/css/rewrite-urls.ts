// Rewrites every url() (and image-set() string) that names a local file to that file's
// fingerprinted output, as a URL relative to the stylesheet being written, so one artifact
// works behind any host and path prefix. Uses a real value parser: strings, comments and
// data: URIs are never touched by accident.
import fs from 'node:fs'
import path from 'node:path'
import type { Declaration, Root } from 'postcss'
import valueParser, { type Node as ValueNode } from 'postcss-value-parser'
import { displayPath, message, type Location, type Message } from '../diagnostics.js'
import type { StaticLookup } from '../static-lookup.js'
import { didYouMean, localReference, resolveReference } from './references.js'
import { encodePath } from '../runtime/url-path.js'
import { statIfAny } from '../walk.js'
import type { UrlPlaceholders } from './url-placeholders.js'

export interface UrlContext {
  cwd: string
  root: string
  publicPath: string
  /** Directory of the stylesheet's output, relative to the artifact directory ('' or 'a/b'); null when esbuild decides it later (CSS imported from JS). */
  outDir: string | null
  /** With outDir null: URLs become placeholders, made relative to each written stylesheet after the bundle is written. */
  placeholders?: UrlPlaceholders
  statics: StaticLookup
  inlineLimit: number
  strict: boolean
  warnings: Message[]
  errors: Message[]
}

const HAS_URL = /url\(|image-set\(/i

export async function rewriteUrls(sheet: Root, ctx: UrlContext): Promise<void> {
  const decls: Declaration[] = []
  sheet.walkDecls((d) => {
    if (HAS_URL.test(d.value)) decls.push(d)
  })
  for (const decl of decls) {
    const parsed = valueParser(decl.value)
    const targets: { node: ValueNode; url: string }[] = []
    parsed.walk((node) => {
      if (node.type === 'function' && node.value.toLowerCase() === 'url') {
        const url = valueParser.stringify(node.nodes).trim().replace(/^(["'])(.*)\1$/s, '$2')
        targets.push({ node, url })
        return false
      }
      if (node.type === 'function' && /^(-webkit-)?image-set$/i.test(node.value)) {
        for (const child of node.nodes) if (child.type === 'string') targets.push({ node: child, url: child.value })
      }
      return undefined
    })
    let changed = false
    for (const t of targets) {
      const replacement = await rewrite(t.url, decl, ctx)
      if (replacement === null) continue
      if (t.node.type === 'function') t.node.nodes = [{ type: 'string', value: replacement, quote: '"', sourceIndex: 0, sourceEndIndex: 0 } as ValueNode]
      else t.node.value = replacement
      changed = true
    }
    if (changed) decl.value = valueParser.stringify(parsed.nodes)
  }
}

async function rewrite(url: string, decl: Declaration, ctx: UrlContext): Promise<string | null> {
  const ref = localReference(url)
  const from = decl.source?.input.file
  if (!ref || !from) return null
  if (ref.pathname.includes('\0')) {
    ctx.errors.push(message(`url(${url}) holds a NUL byte (%00), which no file name can`, locationOf(decl, url, ctx), 'remove the %00 from the URL'))
    return null
  }
  let abs = resolveReference(ref, from, ctx.root, ctx.publicPath, false)[0]!
  // A path that names no file (through a file, too long, a NUL from %00, a link loop) is one that does not resolve.
  let stat = statIfAny(abs)
  if (!stat) {
    // Compiled Sass/Less (or a plugin's output) keeps url()s as written in the partial that
    // has them; when the URL does not resolve from the stylesheet, try from that partial.
    const origin = originOf(decl)
    if (origin && origin !== from) {
      const alt = resolveReference(ref, origin, ctx.root, ctx.publicPath, false)[0]!
      const altStat = statIfAny(alt)
      if (altStat) [abs, stat] = [alt, altStat]
    }
  }
  if (stat?.isDirectory()) {
    ctx.errors.push(message(`url(${url}) points at a directory`, locationOf(decl, url, ctx), 'point it at a file inside the directory'))
    return null
  }
  const asset = await ctx.statics.lookup(abs)
  if (!asset) {
    const m = message(`url(${url}) does not resolve to a file; left as written`, locationOf(decl, url, ctx),
      `no file at ${displayPath(abs, ctx.cwd)}${ctx.strict ? '' : ' (--strict makes this an error)'}`)
    const hint = didYouMean(ref.pathname, from, ctx.root, ctx.publicPath, 'file')
    // The likely fix first, then where Kiln looked.
    if (hint) m.notes.unshift({ text: hint })
    ;(ctx.strict ? ctx.errors : ctx.warnings).push(m)
    // Left as written; in a bundle esbuild must not try to resolve it again.
    return ctx.outDir === null && ctx.placeholders ? ctx.placeholders.for(null, url) : null
  }
  if (ctx.inlineLimit > 0 && asset.size <= ctx.inlineLimit && !ref.suffix.includes('#')) {
    return `data:${asset.type};base64,${fs.readFileSync(asset.abs).toString('base64')}`
  }
  if (ctx.outDir === null) {
    if (!ctx.placeholders) throw new Error('rewriteUrls: no output directory and no placeholders')
    return ctx.placeholders.for(asset.file, ref.suffix)
  }
  return encodePath(path.posix.relative(ctx.outDir, asset.file)) + ref.suffix
}

/** The file a declaration was written in, through the stylesheet's previous source map (Sass, Less, plugins). */
function originOf(decl: Declaration): string | null {
  const input = decl.source?.input
  const start = decl.source?.start
  if (!input?.map || !start) return null
  const o = input.origin(start.line, start.column)
  return o && o.file ? o.file : null
}

function locationOf(decl: Declaration, url: string, ctx: UrlContext): Location | null {
  const file = decl.source?.input.file
  if (!file || !decl.source?.start) return null
  const pos = decl.positionBy({ word: url })
  // Compiled from Sass or Less: where the declaration was written, not the compiled line.
  const o = decl.source.input.map ? decl.source.input.origin(pos.line, pos.column) : false
  if (o && o.file && o.line) {
    return { file: displayPath(o.file, ctx.cwd), line: o.line, column: Math.max(0, (o.column ?? 1) - 1), lineText: o.source?.split(/\r?\n/)[o.line - 1] }
  }
  const lineText = decl.source.input.css.split(/\r?\n/)[pos.line - 1]
  return { file: displayPath(file, ctx.cwd), line: pos.line, column: pos.column - 1, lineText }
}
