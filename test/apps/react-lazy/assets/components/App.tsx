import React, { Suspense, useState } from 'react'
import logo from '../images/logo.svg'

const Chart = React.lazy(() => import('./Chart'))

export function App() {
  const [show, setShow] = useState(false)
  return (
    <main>
      <img id="logo" src={logo} alt="logo" width={40} height={40} />
      <button id="load" onClick={() => setShow(true)}>
        Load chart
      </button>
      {show && (
        <Suspense fallback={<p id="loading">Loading…</p>}>
          <Chart values={[3, 1, 4, 1, 5]} />
        </Suspense>
      )}
    </main>
  )
}
