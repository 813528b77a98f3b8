// kiln-assets/client: what `import x from './file'` gives in a script Kiln builds, for
// TypeScript. Add it to an app's tsconfig, like vite/client:
//
//   { "compilerOptions": { "types": ["kiln-assets/client"] } }
//
// or put `/// <reference types="kiln-assets/client" />` in one .d.ts file. A script file
// with no imports or exports, so every declaration here is ambient; nothing else is added to
// the global scope. JSON needs nothing from here: TypeScript types `import data from
// './data.json'` itself (resolveJsonModule), and Kiln bundles it as that value.

// CSS modules: the class names, by the name written in the source. Declared before '*.css':
// when two patterns match ('x.module.css'), TypeScript takes the first one declared.
declare module '*.module.css' {
  const classes: { readonly [name: string]: string }
  export default classes
}
declare module '*.module.scss' {
  const classes: { readonly [name: string]: string }
  export default classes
}
declare module '*.module.sass' {
  const classes: { readonly [name: string]: string }
  export default classes
}
declare module '*.module.less' {
  const classes: { readonly [name: string]: string }
  export default classes
}

// Stylesheets imported for their side effect (`import './app.css'`): Kiln emits the CSS and
// records it on the entry; there is no value to import.
declare module '*.css' {}
declare module '*.scss' {}
declare module '*.sass' {}
declare module '*.less' {}

// Static files: the fingerprinted file's URL, resolved from the script that imports it
// (new URL('images/logo-QHFUMOR4.svg', import.meta.url).href, e.g.
// "https://cdn.example.com/assets/images/logo-QHFUMOR4.svg"): whatever prefix or host serves
// the artifact. The same extensions as STATIC_EXTENSIONS in src/compilers/javascript.ts.
// Images
declare module '*.png' {
  const url: string
  export default url
}
declare module '*.jpg' {
  const url: string
  export default url
}
declare module '*.jpeg' {
  const url: string
  export default url
}
declare module '*.gif' {
  const url: string
  export default url
}
declare module '*.svg' {
  const url: string
  export default url
}
declare module '*.webp' {
  const url: string
  export default url
}
declare module '*.avif' {
  const url: string
  export default url
}
declare module '*.ico' {
  const url: string
  export default url
}
declare module '*.bmp' {
  const url: string
  export default url
}
declare module '*.cur' {
  const url: string
  export default url
}
// Fonts
declare module '*.woff' {
  const url: string
  export default url
}
declare module '*.woff2' {
  const url: string
  export default url
}
declare module '*.ttf' {
  const url: string
  export default url
}
declare module '*.otf' {
  const url: string
  export default url
}
declare module '*.eot' {
  const url: string
  export default url
}
// Media
declare module '*.mp4' {
  const url: string
  export default url
}
declare module '*.webm' {
  const url: string
  export default url
}
declare module '*.mp3' {
  const url: string
  export default url
}
declare module '*.ogg' {
  const url: string
  export default url
}
declare module '*.wav' {
  const url: string
  export default url
}
// WebAssembly: the URL, for WebAssembly.instantiateStreaming(fetch(url)).
declare module '*.wasm' {
  const url: string
  export default url
}
// Documents and other files
declare module '*.pdf' {
  const url: string
  export default url
}
declare module '*.txt' {
  const url: string
  export default url
}
declare module '*.md' {
  const url: string
  export default url
}
declare module '*.csv' {
  const url: string
  export default url
}
declare module '*.xml' {
  const url: string
  export default url
}
declare module '*.html' {
  const url: string
  export default url
}
declare module '*.htm' {
  const url: string
  export default url
}
declare module '*.webmanifest' {
  const url: string
  export default url
}

// Import queries (as Vite's), for any file: `?url` its fingerprinted URL (a stylesheet: the
// compiled one), `?raw` its contents as text, `?inline` its contents as a data: URL (a
// stylesheet: the compiled CSS as text). Any other query is a build error.
declare module '*?url' {
  const url: string
  export default url
}
declare module '*?raw' {
  const text: string
  export default text
}
declare module '*?inline' {
  const inlined: string
  export default inlined
}

// Workers by import query: `?worker` / `?sharedworker` a constructor of the bundled worker
// (a classic worker, as Vite's default), `?worker&url` its URL. The other way, with no query:
// new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }), which Kiln bundles.
declare module '*?worker' {
  const WorkerConstructor: { new (options?: { name?: string }): Worker }
  export default WorkerConstructor
}
declare module '*?sharedworker' {
  const SharedWorkerConstructor: { new (options?: { name?: string }): SharedWorker }
  export default SharedWorkerConstructor
}
declare module '*?worker&url' {
  const url: string
  export default url
}
declare module '*?sharedworker&url' {
  const url: string
  export default url
}

// import.meta.glob (as Vite's): the files matching literal patterns ('./pages/*.ts',
// '/images/*.png' from the source root, '!…' to exclude), keyed by path. Lazy by default (a
// function that imports the module), the modules themselves with { eager: true }; `import`
// picks one export, `query` applies an import query ('?raw', '?url').
interface KilnGlobOptions {
  eager?: boolean
  import?: string
  query?: string | Record<string, string | number | boolean>
  /** Also match in node_modules and dotfiles. */
  exhaustive?: boolean
}
interface KilnGlob {
  <M = unknown>(patterns: string | string[], options: KilnGlobOptions & { eager: true }): Record<string, M>
  <M = unknown>(patterns: string | string[], options?: KilnGlobOptions & { eager?: false }): Record<string, () => Promise<M>>
}
interface ImportMeta {
  readonly glob: KilnGlob
}

// import.meta.env (as Vite's): the build mode, and the public variables (KILN_PUBLIC_* by
// default, from the environment and .env files) as strings. Other names are undefined. With
// another envPrefix, declare your names: interface ImportMetaEnv { readonly VITE_API: string }
interface ImportMetaEnv {
  /** --mode: "production" unless told otherwise. */
  readonly MODE: string
  /** The public path the artifact is built for ("/assets/"). */
  readonly BASE_URL: string
  /** true unless the mode is "development". */
  readonly PROD: boolean
  readonly DEV: boolean
  readonly SSR: boolean
  readonly [name: `KILN_PUBLIC_${string}`]: string | undefined
}
interface ImportMeta {
  readonly env: ImportMetaEnv
}
