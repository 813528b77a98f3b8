import { defineConfig } from 'kiln-assets'

export default defineConfig({
  define: {
    __APP_VERSION__: JSON.stringify('1.4.2'),
    'globalThis.FEATURE_FLAG': 'true',
  },
})
