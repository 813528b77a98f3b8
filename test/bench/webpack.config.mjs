// webpack 5, set up to do Kiln's job: contenthash names, CSS extracted with autoprefixer,
// every static file emitted (through an entry of `new URL(file, import.meta.url)`s), esbuild for TS and for
// minifying, and webpack-assets-manifest with integrity. BENCH_SRC and BENCH_OUT choose the dirs.
import fs from 'node:fs'
import path from 'node:path'
import MiniCssExtractPlugin from 'mini-css-extract-plugin'
import { EsbuildPlugin } from 'esbuild-loader'
import { WebpackAssetsManifest } from 'webpack-assets-manifest'
import autoprefixer from 'autoprefixer'

const src = process.env.BENCH_SRC
const statics = path.join(process.env.BENCH_OUT, '..', 'webpack-statics.js')
fs.mkdirSync(path.dirname(statics), { recursive: true })
const files = fs.readdirSync(path.join(src, 'static'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? e.path, e.name))
fs.writeFileSync(statics, `export default [\n${files.map((f) => `  new URL(${JSON.stringify(path.relative(path.dirname(statics), f))}, import.meta.url).href,`).join('\n')}\n]\n`)
const entries = Object.fromEntries(fs.readdirSync(src).filter((f) => /\.(ts|js|css)$/.test(f)).map((f) => [f.replace(/\./, '-'), path.join(src, f)]))

export default {
  mode: 'production',
  context: src,
  entry: { ...entries, statics },
  devtool: 'source-map',
  output: { path: process.env.BENCH_OUT, filename: '[name]-[contenthash].js', chunkFilename: 'chunks/[name]-[contenthash].js', assetModuleFilename: '[path][name]-[contenthash][ext]', clean: true, publicPath: '/assets/' },
  resolve: { extensions: ['.ts', '.js'] },
  module: {
    rules: [
      { test: /\.[jt]s$/, loader: 'esbuild-loader', options: { target: 'es2020' }, resolve: { fullySpecified: false } },
      { test: /\.css$/, use: [MiniCssExtractPlugin.loader, 'css-loader', { loader: 'postcss-loader', options: { postcssOptions: { plugins: [autoprefixer()] } } }] },
      { test: /\.(png|jpe?g|svg|woff2|json|txt)$/, type: 'asset/resource' },
      { test: /\.json$/, type: 'asset/resource', parser: {} },
    ],
  },
  plugins: [new MiniCssExtractPlugin({ filename: '[name]-[contenthash].css' }), new WebpackAssetsManifest({ integrity: true, output: 'manifest.json' })],
  optimization: { minimizer: [new EsbuildPlugin({ target: 'es2020', css: true })], splitChunks: { chunks: 'all' } },
  performance: { hints: false },
  stats: 'errors-only',
}
