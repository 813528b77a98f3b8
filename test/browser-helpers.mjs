// Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core
// (no browser download), and a node:http server on 127.0.0.1.
import fs from 'node:fs'
import http from 'node:http'
import { chromium } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
export const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync']

/**
 * True when Chromium is installed. Without it: outside CI a note and false (the caller skips);
 * in CI an error, since .ci/run installs it.
 */
export function chromiumAvailable() {
  if (fs.existsSync(CHROMIUM)) return true
  if (process.env.CI) throw new Error(`Chromium is missing at ${CHROMIUM}; .ci/run installs it`)
  console.log(`  (skipped: no Chromium at ${CHROMIUM}; apt-get install -y chromium)`)
  return false
}

/**
 * Launches Chromium. playwright-core gives every launch a fresh temporary user-data-dir (and
 * removes it on close); each browser.newContext() is an isolated profile on top of it.
 */
export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS })
}

/** An HTTP server on 127.0.0.1 on a free port: { server, origin, close() }. */
export async function listen(handler) {
  const server = http.createServer(handler)
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  return {
    server,
    origin: `http://127.0.0.1:${server.address().port}`,
    close() {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}
