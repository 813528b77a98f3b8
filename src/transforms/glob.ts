// import.meta.glob(patterns, { eager, import, query, exhaustive }) as Vite documents it: the
// call becomes an object literal of the matching files, keyed by path (relative to the
// importer for ./ and ../ patterns, from the source root for /), sorted, without the
// importer itself. Lazy: () => import('./x') (each a chunk); eager: an import declaration
// per file, added at the end of the module. `query` goes through the import queries
// (queries.ts), `import` picks one export. Patterns and options must be literals; anything
// else, an unknown option or query, is an error at the call.
import path from 'node:path'
import { fastGlob } from '../packages.js'
import { queryKind, SUPPORTED_QUERIES } from './queries.js'
import type { Job } from './job.js'
import { staticString, unwrap, type Node } from './parse.js'

interface GlobOptions {
  eager: boolean
  import: string | null
  query: string
  exhaustive: boolean
}

export function glob(job: Job, call: Node): void {
  const args = call.arguments as Node[]
  const patterns = globPatterns(job, args[0], call)
  const options = patterns && globOptions(job, args[1])
  if (!patterns || !options) return
  const files = new Map<string, string>()
  const negative = patterns.filter((p) => p.startsWith('!')).map((p) => absolutePattern(job, p.slice(1)))
  for (const p of patterns.filter((p) => !p.startsWith('!'))) {
    const matches = fastGlob().sync(absolutePattern(job, p), {
      ignore: [...negative, ...(options.exhaustive ? [] : ['**/node_modules/**'])],
      dot: options.exhaustive, onlyFiles: true, absolute: true,
    })
    for (const m of matches) {
      const abs = path.resolve(m)
      if (abs === job.file || files.has(abs)) continue
      files.set(abs, keyOf(job, abs, p.startsWith('/')))
    }
  }
  const entries = [...files].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
  const props = entries.map(([abs, key]) => {
    const spec = JSON.stringify(specifier(job, abs) + options.query)
    let value: string
    if (options.eager) {
      const local = job.name()
      const what = options.import === null ? `* as ${local}` : options.import === 'default' ? local : `{ ${exportName(options.import)} as ${local} }`
      job.appended.push(`import ${what} from ${spec}`)
      value = local
    } else {
      value = options.import === null ? `() => import(${spec})` : `() => import(${spec}).then((m) => m[${JSON.stringify(options.import)}])`
    }
    return `${JSON.stringify(key)}: ${value}`
  })
  job.code.overwrite(call.start, call.end, `({${props.join(', ')}})`)
}

function globPatterns(job: Job, node: Node | undefined, call: Node): string[] | null {
  if (!node) {
    job.error(call, 'import.meta.glob() needs a pattern')
    return null
  }
  const n = unwrap(node)
  const list = n.type === 'ArrayExpression' ? (n.elements as (Node | null)[]) : [n]
  const out: string[] = []
  for (const el of list) {
    const s = el ? staticString(el) : null
    if (s === null) {
      job.error(el ?? n, 'import.meta.glob(): Kiln needs the patterns as string literals (it lists the files while building)')
      return null
    }
    const bare = s.startsWith('!') ? s.slice(1) : s
    if (!bare.startsWith('./') && !bare.startsWith('../') && !bare.startsWith('/')) {
      job.error(el!, `import.meta.glob(${JSON.stringify(s)}): a pattern starts with ./, ../ (from this file) or / (from the source root)`)
      return null
    }
    out.push(s)
  }
  return out
}

const OPTION_NAMES = ['eager', 'import', 'query', 'exhaustive']

function globOptions(job: Job, node: Node | undefined): GlobOptions | null {
  const o: GlobOptions = { eager: false, import: null, query: '', exhaustive: false }
  if (!node) return o
  const n = unwrap(node)
  if (n.type !== 'ObjectExpression') {
    job.error(n, 'import.meta.glob(): Kiln needs the options as an object literal')
    return null
  }
  for (const p of n.properties as Node[]) {
    const key = p.type === 'Property' && !p.computed ? (p.key as Node & { name?: string; value?: unknown }) : null
    const name = key ? (key.type === 'Identifier' ? key.name! : staticString(key)) : null
    const value = p.type === 'Property' ? unwrap(p.value as Node) : null
    const literal = value?.type === 'Literal' ? (value.value as unknown) : value ? staticString(value) : undefined
    if (name === 'as') {
      job.error(p, 'import.meta.glob(): the "as" option was removed (Vite 6)', ["use { query: '?raw', import: 'default' } (or '?url') instead"])
      return null
    }
    if (name === null || !OPTION_NAMES.includes(name)) {
      job.error(p, `import.meta.glob(): ${name === null ? 'Kiln cannot read this option' : `unknown option "${name}"`}`, [`Kiln supports ${OPTION_NAMES.join(', ')}`])
      return null
    }
    if ((name === 'eager' || name === 'exhaustive') && typeof literal === 'boolean') o[name] = literal
    else if (name === 'import' && typeof literal === 'string') o.import = literal
    else if (name === 'query' && typeof literal === 'string') o.query = literal === '' || literal.startsWith('?') ? literal : `?${literal}`
    else if (name === 'query' && value?.type === 'ObjectExpression') {
      const q = queryObject(value)
      if (q === null) {
        job.error(value, 'import.meta.glob(): Kiln needs the query as literals')
        return null
      }
      o.query = q
    } else {
      job.error(value ?? p, `import.meta.glob(): the "${name}" option must be a ${name === 'eager' || name === 'exhaustive' ? 'true or false' : 'string'} literal`)
      return null
    }
  }
  if (o.query && !queryKind(o.query)) {
    job.error(n, `import.meta.glob(): unsupported query "${o.query}"`, [SUPPORTED_QUERIES])
    return null
  }
  return o
}

/** { raw: true } → '?raw', { a: 'b' } → '?a=b' (as Vite writes them). */
function queryObject(node: Node): string | null {
  const parts: string[] = []
  for (const p of node.properties as Node[]) {
    const key = p.type === 'Property' && !p.computed ? (p.key as Node & { name?: string }) : null
    const name = key ? (key.type === 'Identifier' ? key.name! : staticString(key)) : null
    const value = p.type === 'Property' ? unwrap(p.value as Node) : null
    if (name === null || value?.type !== 'Literal' || !['string', 'number', 'boolean'].includes(typeof value.value)) return null
    parts.push(value.value === true || value.value === '' ? name : `${name}=${String(value.value)}`)
  }
  return parts.length ? `?${parts.join('&')}` : ''
}

/** A pattern as fast-glob takes it: absolute, the directory part escaped. */
export function absolutePattern(job: Job, pattern: string): string {
  const base = pattern.startsWith('/') ? job.run.ctx.root : job.dir
  const rel = pattern.startsWith('/') ? pattern.slice(1) : pattern
  // Leading ../ segments move the base, so only the base is escaped and the rest stays a pattern.
  const m = /^(?:\.\.?\/)+/.exec(rel)
  const dir = path.resolve(base, m ? m[0] : '.')
  return `${fastGlob().convertPathToPattern(dir)}/${rel.slice(m ? m[0].length : 0)}`
}

function keyOf(job: Job, abs: string, fromRoot: boolean): string {
  if (fromRoot) return '/' + path.relative(job.run.ctx.root, abs).split(path.sep).join('/')
  return specifier(job, abs)
}

export function specifier(job: Job, abs: string): string {
  const rel = path.relative(job.dir, abs).split(path.sep).join('/')
  return rel.startsWith('../') ? rel : `./${rel}`
}

function exportName(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name)
}
