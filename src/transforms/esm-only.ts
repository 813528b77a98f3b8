// The transforms' parser (acorn with @sveltejs/acorn-typescript) and editor (magic-string),
// loaded through import() by the first script that mentions import.meta. Two of them are ES
// modules only, and the CLI runs as one CommonJS bundle (src/tools/build-cli.ts), where a
// static import becomes a require(): Node 20 before 20.19 cannot require an ES module, and
// later ones hand magic-string's module object over as its default export. acorn comes the
// same way so that the TypeScript plugin extends the very acorn it was written against.
import type * as Acorn from 'acorn'
import type MagicStringClass from 'magic-string'
import { importModule } from '../import-module.js'

export interface Parsers {
  JS: typeof Acorn.Parser
  TS: typeof Acorn.Parser
  TSX: typeof Acorn.Parser
}

export interface EsmOnly {
  parsers: Parsers
  MagicString: typeof MagicStringClass
}

let loading: Promise<EsmOnly> | undefined

export function loadEsmOnly(): Promise<EsmOnly> {
  loading ??= Promise.all([importModule<typeof import('acorn')>('acorn'), importModule<typeof import('@sveltejs/acorn-typescript')>('@sveltejs/acorn-typescript'), importModule<typeof import('magic-string')>('magic-string')]).then(([acorn, ts, ms]) => ({
    parsers: { JS: acorn.Parser, TS: acorn.Parser.extend(ts.tsPlugin()), TSX: acorn.Parser.extend(ts.tsPlugin({ jsx: true })) },
    MagicString: ms.default,
  }))
  return loading
}
