// A Fastify app wired to Kiln: handlers read fastify.assets, kiln-assets/serve answers /assets/*
// with immutable caching. `node fastify-server.mjs` after `kiln build`.
import Fastify from 'fastify'
import { loadManifest } from 'kiln-assets/runtime'
import { serveAssets } from 'kiln-assets/serve'

const fastify = Fastify()
fastify.decorate('assets', loadManifest())
const serve = serveAssets()
fastify.get(`${fastify.assets.publicPath}*`, (req, reply) => {
  reply.hijack()
  serve(req.raw, reply.raw, () => reply.raw.writeHead(404).end())
})
fastify.get('/', (req, reply) => {
  reply.type('text/html').send(`<!doctype html><html><head><meta charset="utf-8">${fastify.assets.tags('site.css')}${fastify.assets.tags('app.ts')}</head><body><main id="app"></main></body></html>`)
})
await fastify.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
