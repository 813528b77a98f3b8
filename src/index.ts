// Kiln's programmatic API. Everything the CLI does goes through these functions.
export { build, type BuildResult } from './build.js'
export { resolveConfig, type BuildOptions, type ResolvedConfig } from './config.js'
export { defineConfig, OPTIONS, type KilnConfig } from './options.js'
export { KilnError, formatMessage, formatFailure, type Message, type Location } from './diagnostics.js'
export { parseFingerprint, fingerprintName, type ParsedName } from './fingerprint.js'
export { MANIFEST_VERSION, type Manifest, type AssetRecord, type FileRecord } from './manifest.js'
