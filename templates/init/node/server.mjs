// A node:http app wired to Kiln: the page's tags come from kiln-assets/runtime, and
// kiln-assets/serve answers the asset URLs with immutable caching. `npm start` after `npm run build`.
import http from 'node:http'
import { loadManifest } from 'kiln-assets/runtime'
import { serveAssets } from 'kiln-assets/serve'

const assets = loadManifest()
const serve = serveAssets()

const page = () => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kiln</title>
${assets.tags('app.css')}
${assets.tags('app.ts')}
</head>
<body>
<main id="app"><h1 class="logo">Hello from Kiln</h1></main>
</body>
</html>
`

const server = http.createServer((req, res) => serve(req, res, () => {
  if (req.url !== '/' || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n')
    return
  }
  const html = page()
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html), 'Cache-Control': 'no-cache' })
  res.end(req.method === 'HEAD' ? undefined : html)
}))

// 0.0.0.0 so the app answers from outside a container or VM; HOST=127.0.0.1 keeps it local.
const host = process.env.HOST || '0.0.0.0'
const port = Number(process.env.PORT || 3000)
server.listen(port, host, () => {
  const { address, port } = server.address()
  const shown = address === '0.0.0.0' || address === '::' ? 'localhost' : address.includes(':') ? `[${address}]` : address
  console.log(`Listening on http://${shown}:${port}/`)
})
// As PID 1 in a container, Node ignores SIGTERM and SIGINT unless it handles them.
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => server.close())
