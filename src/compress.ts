// Precompressed variants of compiled files (JS, CSS, optionally maps), on the worker pool.
// Static files get theirs while they are fingerprinted (workers/ingest.ts).
import fs from 'node:fs'
import path from 'node:path'
import type { ResolvedConfig } from './config.js'
import type { BuildContext, Output } from './context.js'
import type { CompressResult, CompressSettings, Variant } from './workers/asset-jobs.js'
import { isCompressible } from './workers/compressible.js'

export function compressSettings(config: ResolvedConfig, cacheDir: string | null): CompressSettings | null {
  if (config.compress === false || config.compress.length === 0) return null
  return { encodings: [...new Set(config.compress)], brotliQuality: config.brotliQuality, gzipLevel: config.gzipLevel, cacheDir }
}

/** Identifies the settings variants were made with: other settings, other bytes. */
export function settingsKey(c: CompressSettings | null): string {
  return c ? `${c.encodings.join(',')}/${c.brotliQuality}/${c.gzipLevel}` : 'none'
}

export async function compressOutputs(context: BuildContext, outputs: Output[]): Promise<Map<string, Variant[]>> {
  const { compress: settings, config, pool, stage, cache, statics: { stats } } = context
  const variants = new Map<string, Variant[]>()
  if (!settings) return variants
  await Promise.all(outputs.filter((o) => isCompressible(o.file, config.compressSourceMaps)).map(async (o) => {
    const key = settingsKey(settings)
    if (o.variants && o.compress === key && o.variants.every((v) => fs.statSync(path.join(config.outDir, v.file), { throwIfNoEntry: false })?.size === v.size)) {
      variants.set(o.file, o.variants)
      cache.rememberVariants(o.file, o.variants, key)
      stats.reusedVariants += o.variants.length
      return
    }
    const bytes = o.bytes ?? (await fs.promises.readFile(path.join(config.outDir, o.file)))
    const r = await pool.run<CompressResult>({ kind: 'compress-bytes', bytes: new Uint8Array(bytes), file: o.file, outDir: config.outDir, compress: settings })
    stage.add(r.staged)
    stats.compressed += r.compressed
    stats.reusedVariants += r.reusedVariants
    variants.set(o.file, r.variants)
    cache.rememberVariants(o.file, r.variants, key)
  }))
  return variants
}
