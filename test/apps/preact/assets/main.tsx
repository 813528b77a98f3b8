import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'

function Greeting({ name }: { name: string }) {
  const [clicks, setClicks] = useState(0)
  useEffect(() => {
    ;(window as any).__probe = { ok: true, framework: 'preact', clicks }
  }, [clicks])
  return (
    <button id="greet" onClick={() => setClicks(clicks + 1)}>
      Hello {name}, {clicks} clicks
    </button>
  )
}

render(<Greeting name="Preact" />, document.getElementById('app')!)
