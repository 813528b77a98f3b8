// What the script transforms get from the build that registers them (compilers/javascript.ts),
// made once per esbuild build and shared with the nested builds they start (a worker, a
// stylesheet imported with ?url or ?inline). Types only: this module imports nothing of the
// pipeline but types, so the transforms never import the compiler that registers them.
import type * as esbuild from 'esbuild'
import type { UrlPlaceholders } from '../css/url-placeholders.js'
import type { StaticLookup } from '../static-lookup.js'

export interface TransformContext {
  /** The working directory: paths in messages are shown relative to it. */
  cwd: string
  /** esbuild's working directory (the root): the metafile's paths and the transforms' module paths are relative to it. */
  workDir: string
  /** The source root (absolute). */
  root: string
  /** The artifact directory (absolute): placeholders resolve relative to each file written there. */
  outDir: string
  statics: () => StaticLookup
  /** The build's url placeholders, shared with url()s in CSS imported from JS. */
  placeholders: UrlPlaceholders
  /** Records a file the build read that esbuild's metafile does not list (for the build cache and kiln watch). */
  addInput(abs: string): void
  /**
   * The scripts whose import.meta the transforms must see (import-meta-scan.ts), as esbuild's
   * onLoad filter; without it, every script (kiln watch: an edit may add import.meta anywhere).
   */
  importMetaFilter?: RegExp
  /** A fresh instance of Kiln's own plugin for a nested build, and the set of files it reads. */
  kilnPlugin(): { plugin: esbuild.Plugin; inputs: Set<string> }
}
