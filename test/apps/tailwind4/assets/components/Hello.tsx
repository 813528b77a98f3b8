import { useEffect } from 'react'

declare global {
  interface Window {
    __probe?: Record<string, unknown>
  }
}

export function Hello() {
  useEffect(() => {
    window.__probe = { ok: true, app: 'tailwind4' }
  }, [])
  return (
    <main className="card">
      <h1 id="title" className="text-brand font-light">
        Tailwind v4
      </h1>
      <p id="arbitrary" className="mt-[7px] text-[rgb(200,30,90)]">
        Classes found by Tailwind's automatic source detection.
      </p>
    </main>
  )
}
