// The no-op floor: what a rebuild of unchanged sources costs at the least. Start node,
// list and stat every file under the root with fast-glob (Kiln's own walker, as Kiln calls
// it), read and parse the manifest. Usage: node noop-floor.mjs ROOT MANIFEST
import fs from 'node:fs'
import { createRequire } from 'node:module'

const fg = createRequire(new URL('../../package.json', import.meta.url))('fast-glob')
const [root, manifest] = process.argv.slice(2)
const listed = fg.sync('**', { cwd: root, onlyFiles: true, followSymbolicLinks: true, ignore: ['**/node_modules/**'], objectMode: true, stats: true })
JSON.parse(fs.readFileSync(manifest, 'utf8'))
if (listed.length === 0) throw new Error(`nothing under ${root}`)
