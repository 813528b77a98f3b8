// One rule for turning a file path into a URL path, used by the build (CSS url(), JS imports)
// and by the runtime: each segment percent-encoded, '@' kept (a legal path character).
export function encodePath(p: string): string {
  return p.split('/').map((s) => (s === '..' || s === '.' ? s : encodeURIComponent(s).replace(/%40/g, '@'))).join('/')
}
