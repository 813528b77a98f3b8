// The one JavaScript/TypeScript parser of the transforms: acorn, with the Svelte team's
// TypeScript plugin for .ts/.tsx/.jsx (which also reads JSX). esbuild keeps its AST to
// itself, so Kiln parses a file again, only when it mentions import.meta, to find
// new URL(…, import.meta.url), new Worker(…), new SharedWorker(…) and import.meta.glob(…)
// as syntax: a string or a comment that looks like them is never one.
import type * as acorn from 'acorn'
import type { Parsers } from './esm-only.js'

/** A node of the ESTree AST (acorn's shape, TypeScript nodes included), read loosely. */
export interface Node {
  type: string
  start: number
  end: number
  [key: string]: unknown
}

const OPTIONS: acorn.Options = {
  ecmaVersion: 'latest',
  sourceType: 'module',
  locations: true,
  allowHashBang: true,
  // esbuild decides what is valid; Kiln's parse only has to find things, so it is lenient.
  allowReturnOutsideFunction: true,
  allowAwaitOutsideFunction: true,
  allowImportExportEverywhere: true,
}

/** Cheap test before parsing: could the text use import.meta at all? (A superset: the parse decides.) */
export function mentionsImportMeta(text: string): boolean {
  return /\bimport\s*\.\s*meta\b/.test(text)
}

/** Parses a script by its extension; throws acorn's SyntaxError (with `pos`) when it cannot. */
export function parseScript(text: string, file: string, { JS, TS, TSX }: Parsers): Node {
  const ext = /\.([cm]?[jt]sx?)$/i.exec(file)?.[1]?.toLowerCase() ?? 'js'
  if (ext.endsWith('x')) return TSX.parse(text, OPTIONS) as unknown as Node
  if (ext.includes('t')) return TS.parse(text, OPTIONS) as unknown as Node
  try {
    return JS.parse(text, OPTIONS) as unknown as Node
  } catch {
    // JSX in a .js file (some apps configure esbuild's jsx loader for .js).
    return TSX.parse(text, OPTIONS) as unknown as Node
  }
}

/** Calls `visit` for every node, parents before children; `visit` returning false skips the children. */
export function walk(node: Node, visit: (node: Node, parent: Node | null) => boolean | void, parent: Node | null = null): void {
  if (visit(node, parent) === false) return
  for (const key in node) {
    if (key === 'loc' || key === 'range') continue
    const v = node[key]
    if (Array.isArray(v)) {
      for (const child of v) if (isNode(child)) walk(child, visit, node)
    } else if (isNode(v)) walk(v, visit, node)
  }
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as Node).type === 'string' && typeof (v as Node).start === 'number'
}

/** The expression under TypeScript's `x as T`, `x!`, `x satisfies T`, `<T>x` and parentheses. */
export function unwrap(node: Node): Node {
  let n = node
  while (['TSAsExpression', 'TSNonNullExpression', 'TSSatisfiesExpression', 'TSTypeAssertion', 'ParenthesizedExpression'].includes(n.type)) n = n.expression as Node
  return n
}

/** `import.meta` itself. */
export function isImportMeta(node: Node): boolean {
  const n = unwrap(node)
  return n.type === 'MetaProperty' && (n.meta as Node & { name: string }).name === 'import' && (n.property as Node & { name: string }).name === 'meta'
}

/** The name of `import.meta.NAME`, or null when the node is something else. */
export function importMetaProperty(node: Node): string | null {
  const n = unwrap(node)
  if (n.type !== 'MemberExpression' || !isImportMeta(n.object as Node)) return null
  const p = n.property as Node & { name?: string; value?: unknown }
  if (!n.computed && p.type === 'Identifier') return p.name!
  if (n.computed && p.type === 'Literal' && typeof p.value === 'string') return p.value
  return null
}

/** The value of a string literal or of a template literal without expressions; null otherwise. */
export function staticString(node: Node | undefined): string | null {
  if (!node) return null
  const n = unwrap(node)
  if (n.type === 'Literal' && typeof n.value === 'string') return n.value
  if (n.type === 'TemplateLiteral' && (n.expressions as Node[]).length === 0) {
    const q = (n.quasis as (Node & { value: { cooked: string | null } })[])[0]
    return q?.value.cooked ?? null
  }
  return null
}

/** `new URL(x, import.meta.url)`: the NewExpression's first argument, or null when the node is not one. */
export function importMetaUrlArgument(node: Node): Node | null {
  if (node.type !== 'NewExpression') return null
  const callee = node.callee as Node & { name?: string }
  const args = node.arguments as Node[]
  if (callee.type !== 'Identifier' || callee.name !== 'URL' || args.length < 2) return null
  return importMetaProperty(args[1]!) === 'url' ? args[0]! : null
}
