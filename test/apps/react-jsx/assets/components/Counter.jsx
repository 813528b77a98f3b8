import { useEffect, useState } from 'react'

export function Counter({ start }) {
  const [count, setCount] = useState(start)
  useEffect(() => {
    if (count === start) setCount(count + 1)
    else window.__probe = { ok: true, count }
  }, [count, start])
  return (
    <p id="count" data-count={count}>
      Count: {count}
    </p>
  )
}
