import { useEffect } from 'react'

declare global {
  interface Window {
    __probe?: Record<string, unknown>
  }
}

export function App() {
  useEffect(() => {
    window.__probe = { ok: true, app: 'tailwind3' }
  }, [])
  return (
    <main className="card">
      <h1 id="title" className="text-brand font-light">
        Tailwind v3
      </h1>
      <p id="arbitrary" className="mt-[7px] text-[rgb(200,30,90)]">
        Classes found in .tsx by tailwind.config.js content globs.
      </p>
    </main>
  )
}
