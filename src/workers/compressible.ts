// Which files get precompressed variants, by extension: the main thread asks it of every
// compiled file and the workers of every static one. Apart from variants.ts, so asking it
// loads no zlib and no streams on the main thread.
import path from 'node:path'

const COMPRESSIBLE = new Set(['.js', '.mjs', '.cjs', '.css', '.svg', '.json', '.html', '.htm', '.txt', '.xml', '.wasm', '.csv', '.md', '.webmanifest', '.ttf', '.otf', '.eot', '.ico', '.bmp'])

export function isCompressible(file: string, sourceMaps: boolean): boolean {
  const ext = path.posix.extname(file).toLowerCase()
  return COMPRESSIBLE.has(ext) || (sourceMaps && ext === '.map')
}
