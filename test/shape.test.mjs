// The shape of src/, read from its import statements: no import circle (a lower module never
// imports a higher one, types included), and the runtime stands apart from the build side
// (it ships to servers on its own: nothing of Kiln's build may come with it).
import fs from 'node:fs'
import { isBuiltin } from 'node:module'
import path from 'node:path'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import * as acorn from 'acorn'
import { tsPlugin } from '@sveltejs/acorn-typescript'
import { project, remove, REPO } from './helpers.mjs'

const SRC = path.join(REPO, 'src')
const Parser = acorn.Parser.extend(tsPlugin())
const SOURCE = /\.(m|c)?(t|j)s$/

/**
 * Every module under `dir` with what it imports: `static` are import and export-from
 * declarations (`import type` and `export type … from` included: a type import points the
 * same way as any other), `import x = require()` too; `dynamic` are import() calls with a
 * literal specifier. Read with a parser, so an import in a string or a comment is not one.
 */
export function importsOf(dir) {
  const modules = new Map()
  for (const rel of fs.readdirSync(dir, { recursive: true })) {
    const file = path.join(dir, rel)
    if (!SOURCE.test(rel) || rel.endsWith('.d.ts') || !fs.statSync(file).isFile()) continue
    const ast = Parser.parse(fs.readFileSync(file, 'utf8'), { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true })
    const found = { static: [], dynamic: [] }
    visit(ast, (node) => {
      if (node.type === 'ImportDeclaration' || node.type === 'ExportAllDeclaration' || (node.type === 'ExportNamedDeclaration' && node.source)) found.static.push(node.source.value)
      else if (node.type === 'TSImportEqualsDeclaration' && node.moduleReference.type === 'TSExternalModuleReference') found.static.push(node.moduleReference.expression.value)
      else if (node.type === 'ImportExpression' && node.source.type === 'Literal' && typeof node.source.value === 'string') found.dynamic.push(node.source.value)
    })
    modules.set(file, found)
  }
  return modules
}

function visit(node, fn) {
  if (!node || typeof node.type !== 'string') return
  fn(node)
  for (const key in node) {
    if (key === 'loc') continue
    const v = node[key]
    if (Array.isArray(v)) v.forEach((c) => visit(c, fn))
    else if (v && typeof v === 'object') visit(v, fn)
  }
}

/** The module a relative specifier names: TypeScript's `./x.js` is `./x.ts` in the sources. */
function resolve(from, spec, modules) {
  if (!spec.startsWith('.')) return null
  const abs = path.resolve(path.dirname(from), spec)
  const candidates = [abs, abs.replace(/\.js$/, '.ts'), abs.replace(/\.mjs$/, '.mts'), abs.replace(/\.cjs$/, '.cts'), `${abs}.ts`, path.join(abs, 'index.ts')]
  return candidates.find((c) => modules.has(c)) ?? abs
}

/**
 * The import circles among `modules`, each as a path of files that ends where it starts
 * ("a.ts → b.ts → a.ts"): one per strongly connected component, so every circle is named.
 * Static imports only. An import() runs when called, after every module has loaded, so it
 * cannot make the load-order trouble of a static circle (a binding used before its module
 * finished evaluating); and it is how a table loads its rows' code on demand
 * (compilers/preprocessors.ts → sass.ts, which takes its option types from the table).
 */
export function cycles(modules, root) {
  const graph = new Map([...modules].map(([file, m]) => [file, [...new Set(m.static.map((s) => resolve(file, s, modules)).filter((f) => modules.has(f)))]]))
  // Tarjan's strongly connected components, then a shortest circle through each one's first file.
  let next = 0
  const index = new Map()
  const low = new Map()
  const stack = []
  const found = []
  const connect = (v) => {
    index.set(v, next)
    low.set(v, next++)
    stack.push(v)
    for (const w of graph.get(v)) {
      if (!index.has(w)) {
        connect(w)
        low.set(v, Math.min(low.get(v), low.get(w)))
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v), index.get(w)))
    }
    if (low.get(v) !== index.get(v)) return
    const component = new Set()
    for (let w; w !== v; ) component.add((w = stack.pop()))
    if (component.size > 1 || graph.get(v).includes(v)) found.push(component)
  }
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v)
  const show = (f) => path.relative(root, f).split(path.sep).join('/')
  return found.map((component) => {
    const start = [...component].sort()[0]
    // Breadth-first from start, inside the component, back to start.
    const from = new Map([[start, null]])
    const queue = [start]
    while (queue.length) {
      const v = queue.shift()
      const back = graph.get(v).includes(start)
      if (back) {
        const circle = [start]
        for (let w = v; w !== null && w !== start; w = from.get(w)) circle.splice(1, 0, w)
        circle.push(start)
        return `${circle.map(show).join(' → ')}${component.size > circle.length - 1 ? ` (and ${component.size - (circle.length - 1)} more in the same knot: ${[...component].filter((f) => !circle.includes(f)).map(show).sort().join(', ')})` : ''}`
      }
      for (const w of graph.get(v)) if (component.has(w) && !from.has(w)) from.set(w, v), queue.push(w)
    }
    return [...component].map(show).sort().join(', ')
  })
}

/** Imports of the runtime that reach outside it: anything but its own files and Node's built-in modules. */
export function runtimeLeaks(modules, runtime, root) {
  const inside = (f) => f.startsWith(runtime + path.sep)
  const leaks = []
  for (const [file, m] of modules) {
    if (!inside(file)) continue
    for (const spec of [...m.static, ...m.dynamic]) {
      const target = resolve(file, spec, modules)
      if (target ? !inside(target) : !isBuiltin(spec)) leaks.push(`${path.relative(root, file).split(path.sep).join('/')} imports ${spec}`)
    }
  }
  return leaks
}

const circle = suite('the import graph of src/')

circle('should have no import circle, type imports included', () => {
  const found = cycles(importsOf(SRC), SRC)
  assert.equal(found, [], `import circles in src/:\n${found.join('\n')}`)
})

const checker = suite('the circle check itself')

checker('should name a circle made of a type import and an export … from', () => {
  const dir = project({
    'a.ts': "import type { B } from './b.js'\nexport const a = 1\n",
    'b.ts': "export { c as b } from './c.js'\nexport type B = 1\n",
    'c.ts': "// import './z.js' in a comment is no import\nconst s = \"import './z.js'\"\nexport * from './a.js'\nexport const c = 1\n",
    'z.ts': "import './a.js'\n",
    'lazy.ts': "export const load = () => import('./z.js')\n",
    'zz.ts': "import { load } from './lazy.js'\n",
  })
  try {
    const found = cycles(importsOf(dir), dir)
    assert.equal(found, ['a.ts → b.ts → c.ts → a.ts'])
  } finally {
    remove(dir)
  }
})

const runtime = suite('the runtime stands apart')

runtime('should import only its own files and Node built-ins from src/runtime', () => {
  const leaks = runtimeLeaks(importsOf(SRC), path.join(SRC, 'runtime'), SRC)
  assert.equal(leaks, [], `the runtime imports outside itself:\n${leaks.join('\n')}`)
})

runtime('should name a runtime file that imports the build side, a package or a type from outside', () => {
  const dir = project({
    'runtime/index.ts': "import fs from 'node:fs'\nimport { x } from './own.js'\nimport type { M } from '../manifest.js'\n",
    'runtime/own.ts': "import path from 'path'\nexport const x = () => import('esbuild')\n",
    'manifest.ts': "import { x } from './runtime/own.js'\nexport type M = 1\n",
  })
  try {
    assert.equal(runtimeLeaks(importsOf(dir), path.join(dir, 'runtime'), dir), ['runtime/index.ts imports ../manifest.js', 'runtime/own.ts imports esbuild'])
  } finally {
    remove(dir)
  }
})

circle.run()
checker.run()
runtime.run()
