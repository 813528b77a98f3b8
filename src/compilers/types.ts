import type { ModuleSizes } from './metafile-modules.js'

// What compilers hand back: the files to write, and per entry the graph the manifest records.
export interface EmittedFile {
  /** Path relative to the artifact directory. */
  file: string
  bytes: Buffer
}

export interface CompiledEntry {
  logical: string
  file: string
  map?: string
  /** Stylesheets the entry needs (a JS entry that imports CSS). */
  css?: string[]
  /** Chunks the entry imports statically, transitively, in load order. */
  imports?: string[]
  dynamicImports?: string[]
  /** What each output the entry may load is made of (metafile-modules.ts); not part of the manifest. */
  modules?: ModuleSizes
}

export interface CompileResult {
  entries: CompiledEntry[]
  files: EmittedFile[]
  /** Absolute paths of every source file read, for the build cache. */
  inputs: string[]
}
