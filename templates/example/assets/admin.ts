// A second entry that shares lib/shared.ts with app.ts, so esbuild splits it into a chunk.
import { formatGreeting, VERSION } from './lib/shared'

document.title = `${formatGreeting('admin')} (v${VERSION})`
