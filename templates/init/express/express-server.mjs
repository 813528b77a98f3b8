// An Express app wired to Kiln: templates read app.locals.assets, kiln-assets/serve serves the
// artifact directory with immutable caching. `node express-server.mjs` after `kiln build`.
import express from 'express'
import { loadManifest } from 'kiln-assets/runtime'
import { serveAssets } from 'kiln-assets/serve'

const app = express()
app.locals.assets = loadManifest()
app.use(serveAssets())
app.get('/', (req, res) => {
  const { assets } = req.app.locals
  res.send(`<!doctype html><html><head><meta charset="utf-8">${assets.tags('site.css')}${assets.tags('app.ts')}</head><body><main id="app"></main></body></html>`)
})
app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1')
