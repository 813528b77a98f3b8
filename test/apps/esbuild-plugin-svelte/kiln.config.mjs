// A published esbuild plugin through the config, as its README shows for esbuild.build().
import sveltePlugin from 'esbuild-svelte'

export default {
  esbuild: {
    plugins: [sveltePlugin()],
  },
}
