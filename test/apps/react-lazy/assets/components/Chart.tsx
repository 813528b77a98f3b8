import { useEffect } from 'react'

interface Props {
  values: number[]
}

export default function Chart({ values }: Props) {
  useEffect(() => {
    ;(window as any).__probe = { ok: true, lazy: true, bars: document.querySelectorAll('#chart .bar').length }
  }, [])
  return (
    <div id="chart">
      {values.map((v, i) => (
        <span key={i} className="bar" style={{ display: 'inline-block', width: 8, height: v * 10 }} />
      ))}
    </div>
  )
}
