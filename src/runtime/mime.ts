// Content types by extension, for the manifest's `type`. Kept small and explicit:
// anything unknown is application/octet-stream, which is always safe to serve.
const TYPES: Record<string, string> = {
  '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.map': 'application/json',
  '.json': 'application/json', '.html': 'text/html', '.htm': 'text/html', '.txt': 'text/plain', '.xml': 'application/xml',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif',
  '.webp': 'image/webp', '.avif': 'image/avif', '.ico': 'image/x-icon', '.bmp': 'image/bmp', '.cur': 'image/x-icon',
  '.woff': 'font/woff', '.woff2': 'font/woff2', '.ttf': 'font/ttf', '.otf': 'font/otf', '.eot': 'application/vnd.ms-fontobject',
  '.wasm': 'application/wasm', '.pdf': 'application/pdf', '.mp4': 'video/mp4', '.webm': 'video/webm', '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg', '.wav': 'audio/wav', '.webmanifest': 'application/manifest+json', '.csv': 'text/csv', '.md': 'text/markdown',
}

export function mimeType(file: string): string {
  const dot = file.lastIndexOf('.')
  return (dot >= 0 && TYPES[file.slice(dot).toLowerCase()]) || 'application/octet-stream'
}
