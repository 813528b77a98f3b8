// A Fastify app wired to Kiln: handlers read fastify.assets (kiln-assets/runtime), and
// kiln-assets/serve answers the asset URLs with immutable caching. `npm start` after `npm run build`.
import Fastify from 'fastify'
import { loadManifest } from 'kiln-assets/runtime'
import { serveAssets } from 'kiln-assets/serve'

const fastify = Fastify()
fastify.decorate('assets', loadManifest())
const serve = serveAssets()

fastify.get(`${fastify.assets.publicPath}*`, (req, reply) => {
  reply.hijack()
  serve(req.raw, reply.raw, () => reply.raw.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n'))
})

fastify.get('/', (req, reply) => {
  const { assets } = fastify
  reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(`<!doctype html>
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
await fastify.listen({ port: Number(process.env.PORT || 3000), host })
const { address, port } = fastify.server.address()
const shown = address === '0.0.0.0' || address === '::' ? 'localhost' : address.includes(':') ? `[${address}]` : address
console.log(`Listening on http://${shown}:${port}/`)
// As PID 1 in a container, Node ignores SIGTERM and SIGINT unless it handles them.
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => fastify.close())
