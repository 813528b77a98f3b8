// An Express app wired to Kiln: templates read app.locals.assets (kiln-assets/runtime), and
// kiln-assets/serve answers the asset URLs with immutable caching. `npm start` after `npm run build`.
import express from 'express'
import { loadManifest } from 'kiln-assets/runtime'
import { serveAssets } from 'kiln-assets/serve'

const app = express()
app.locals.assets = loadManifest()
app.use(serveAssets())

app.get('/', (req, res) => {
  const { assets } = req.app.locals
  res.set('Cache-Control', 'no-cache').send(`<!doctype html>
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
`)
})

// 0.0.0.0 so the app answers from outside a container or VM; HOST=127.0.0.1 keeps it local.
const host = process.env.HOST || '0.0.0.0'
const port = Number(process.env.PORT || 3000)
const server = app.listen(port, host, (err) => {
  if (err) throw err
  const { address, port } = server.address()
  const shown = address === '0.0.0.0' || address === '::' ? 'localhost' : address.includes(':') ? `[${address}]` : address
  console.log(`Listening on http://${shown}:${port}/`)
})
// As PID 1 in a container, Node ignores SIGTERM and SIGINT unless it handles them.
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => server.close())
