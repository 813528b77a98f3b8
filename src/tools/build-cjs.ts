// Package build step: CommonJS copies of kiln-assets/runtime and kiln-assets/serve beside the ESM ones
// (dist/runtime/*.cjs and *.d.cts), for apps that still `require()`. serve.cjs requires
// index.cjs rather than bundling its own copy, so there is one ManifestError class.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const out = path.join(repo, 'dist/runtime')

const siblingIndex: esbuild.Plugin = {
  name: 'sibling-index',
  setup(build) {
    build.onResolve({ filter: /^\.\/index\.js$/ }, (args) => (args.importer.endsWith('serve.ts') ? { path: './index.cjs', external: true } : undefined))
  },
}

for (const name of ['index', 'serve']) {
  await esbuild.build({
    entryPoints: [path.join(repo, 'src/runtime', `${name}.ts`)],
    outfile: path.join(out, `${name}.cjs`),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    plugins: [siblingIndex],
  })
  const dts = fs.readFileSync(path.join(out, `${name}.d.ts`), 'utf8').replace("from './index.js'", "from './index.cjs'")
  fs.writeFileSync(path.join(out, `${name}.d.cts`), dts)
}
