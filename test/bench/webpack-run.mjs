// Runs webpack with webpack.config.mjs through its Node API (no webpack-cli needed).
import webpack from 'webpack'
import config from './webpack.config.mjs'

webpack(config, (err, stats) => {
  if (err || stats.hasErrors()) {
    console.error(err ?? stats.toString('errors-only'))
    process.exit(1)
  }
})
