import { primesBelow } from './lib/primes'

const probe: Record<string, unknown> = { ok: false }
;(window as any).__probe = probe

// An image by URL, resolved against this module, as Vite users write it.
const photoUrl = new URL('./images/photo.png', import.meta.url)
const img = document.createElement('img')
img.id = 'photo'
img.alt = 'photo'
img.src = photoUrl.href
document.getElementById('app')!.append(img)

// A module worker built from TypeScript.
const worker = new Worker(new URL('./workers/primes.worker.ts', import.meta.url), { type: 'module' })
worker.onerror = (e) => console.error('worker failed', e.message)
worker.onmessage = (event: MessageEvent<{ primes: number[]; module: boolean }>) => {
  Object.assign(probe, {
    ok: true,
    primes: event.data.primes.join(','),
    sameAsMain: event.data.primes.join(',') === primesBelow(20).join(','),
    moduleWorker: event.data.module,
  })
  worker.terminate()
}
worker.postMessage(20)
