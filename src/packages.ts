// Kiln's own dependencies that load only when a build needs them (esbuild for a config or a
// scan, fast-glob, browserslist, autoprefixer, postcss-load-config). Through require, not
// import(): they are CommonJS packages, and import() of one first scans its whole source for
// named exports (esbuild's 100 kB main file: ~14 ms of a build's start).
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

export const esbuildPackage = (): typeof import('esbuild') => require('esbuild')
export const fastGlob = (): typeof import('fast-glob') => require('fast-glob')
export const browserslistPackage = (): typeof import('browserslist') => require('browserslist')
export const autoprefixerPackage = (): typeof import('autoprefixer') => require('autoprefixer')
export const postcssLoadConfig = (): typeof import('postcss-load-config') => require('postcss-load-config')
