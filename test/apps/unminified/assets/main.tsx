// Built with --no-minify (readable output), still a production build: React's production bundle.
import * as React from 'react'
import { createRoot } from 'react-dom/client'

function App() {
  React.useEffect(() => {
    ;(window as any).__probe = {
      ok: true,
      nodeEnv: process.env.NODE_ENV,
      // React's development build exports act(); its production build does not.
      reactProduction: typeof (React as any).act !== 'function',
    }
  }, [])
  return <p id="app-text">Unminified production</p>
}

createRoot(document.getElementById('root')!).render(<App />)
