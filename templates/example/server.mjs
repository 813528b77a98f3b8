// The example app: renders a page with kiln-assets/runtime's tags() and serves the artifact
// directory with kiln-assets/serve, on plain node:http. Run `npm run demo` first, then
// `node templates/example/server.mjs` (PORT, ASSET_HOST and KILN_MANIFEST are honoured).
import http from 'node:http'
import { fileURLToPath } from 'node:url'
import { loadManifest } from 'kiln-assets/runtime'
import { serveAssets } from 'kiln-assets/serve'

export function createApp({ manifest = process.env.KILN_MANIFEST || fileURLToPath(new URL('./public/assets/manifest.json', import.meta.url)), env = process.env } = {}) {
  const assets = loadManifest(manifest, { env })
  const serve = serveAssets({ manifest, env })
  const page = () => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Kiln example</title>
<link rel="icon" href="${assets.url('images/logo.svg')}" type="image/svg+xml">
${assets.tags('site.css')}
${assets.tags('app.ts')}
</head>
<body>
<main id="app" class="hero"></main>
<button id="load-chart" type="button">Load the chart</button>
<img id="hero" src="${assets.url('images/hero.png')}" integrity="${assets.integrity('images/hero.png')}" alt="">
</body>
</html>
`
  return (req, res) =>
    serve(req, res, () => {
      if (req.url === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
        const html = page()
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html), 'Cache-Control': 'no-cache' })
        return res.end(req.method === 'HEAD' ? undefined : html)
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end('Not found\n')
    })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 3000)
  http.createServer(createApp()).listen(port, '127.0.0.1', () => console.log(`Kiln example on http://127.0.0.1:${port}/`))
}
