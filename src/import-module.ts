// The one place Kiln's own code calls import() with a specifier it computes or a package's
// name (config files, Sass and Less peers, the transforms' ES-module-only parsers). The CLI
// runs as one CommonJS bundle compiled through V8's code cache (bin/code-cache.js), and on
// Node 20 a function restored from that cache cannot import(): its loader callback is lost.
// So the bundle keeps this module outside itself (dist/import-module.cjs, required normally;
// src/tools/build-cli.ts fails on any other import() in the bundle). Bare names resolve from
// here, inside the package, as they would from any of its modules.
export function importModule<T = unknown>(specifier: string): Promise<T> {
  return import(specifier) as Promise<T>
}
