// The two errors the runtime throws. Both say which manifest was read and what to do.
export class ManifestError extends Error {
  declare readonly manifest: string
  constructor(manifest: string, problem: string) {
    super(`Kiln manifest ${manifest}: ${problem}. Run \`kiln build\` to write a valid manifest.`)
    this.name = 'ManifestError'
    this.manifest = manifest
  }
}

export class AssetNotFoundError extends Error {
  declare readonly asset: string
  declare readonly manifest: string
  declare readonly suggestions: readonly string[]
  constructor(asset: string, manifest: string, suggestions: string[]) {
    const hint = suggestions.length ? `; did you mean ${suggestions.map((s) => `'${s}'`).join(', ')}?` : ''
    super(`Asset '${asset}' is not in the Kiln manifest ${manifest}${hint}`)
    this.name = 'AssetNotFoundError'
    this.asset = asset
    this.manifest = manifest
    this.suggestions = Object.freeze(suggestions)
  }
}
