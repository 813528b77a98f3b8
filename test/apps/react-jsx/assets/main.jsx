// Plain .jsx, no tsconfig.json or jsconfig.json, no `import React`: the automatic JSX runtime.
import { createRoot } from 'react-dom/client'
import { Counter } from './components/Counter.jsx'

createRoot(document.getElementById('root')).render(<Counter start={2} />)
