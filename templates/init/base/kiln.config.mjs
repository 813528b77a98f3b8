// Kiln's configuration. Flags and KILN_* environment variables override these values.
// Every option: `npx kiln build --help`, or "Options" in Kiln's README.
import { defineConfig } from 'kiln-assets'

export default defineConfig({
  root: 'assets',
  out: 'public/assets',
  publicPath: '/assets/',
})
