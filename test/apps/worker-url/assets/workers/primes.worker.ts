// A module worker: it imports a module, so it must be bundled as its own entry.
import { primesBelow } from '../lib/primes'

self.onmessage = (event: MessageEvent<number>) => {
  self.postMessage({ primes: primesBelow(event.data), module: typeof import.meta.url === 'string' })
}
