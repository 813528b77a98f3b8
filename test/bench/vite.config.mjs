// Vite, set up to do Kiln's job: a manifest, autoprefixer, every static file fingerprinted
// (through an import.meta.glob entry), no inlining. BENCH_SRC and BENCH_OUT choose the dirs.
import fs from 'node:fs'
import path from 'node:path'
import autoprefixer from 'autoprefixer'

const src = process.env.BENCH_SRC
const entries = Object.fromEntries(fs.readdirSync(src).filter((f) => /\.(ts|js|css)$/.test(f)).map((f) => [f, path.join(src, f)]))

export default {
  root: src,
  logLevel: 'warn',
  css: { postcss: { plugins: [autoprefixer()] } },
  plugins: [{
    name: 'all-statics',
    resolveId: (id) => (id === 'virtual:statics' ? '\0statics' : null),
    load: (id) => (id === '\0statics' ? "export default import.meta.glob('/static/**/*', { query: '?url', import: 'default', eager: true })" : null),
  }],
  build: {
    outDir: process.env.BENCH_OUT, emptyOutDir: true, manifest: true, assetsInlineLimit: 0, sourcemap: true, reportCompressedSize: false,
    rollupOptions: { input: { ...entries, statics: 'virtual:statics' } },
  },
}
