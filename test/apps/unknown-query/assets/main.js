// An import query Kiln does not support: never a silent miss.
import notes from './notes.txt?sanitize'

document.body.textContent = notes
