import { createRoot } from 'react-dom/client'
import { Hello } from './components/Hello'

createRoot(document.getElementById('root')!).render(<Hello />)
