// The starter script: Kiln compiles it (TypeScript included) to a fingerprinted app-XXXXXXXX.js,
// and the server's page loads it with assets.tags('app.ts').
const main = document.querySelector<HTMLElement>('#app')
const note: HTMLParagraphElement = document.createElement('p')
note.textContent = 'This paragraph comes from assets/app.ts. Edit it, then run npm run build.'
main?.append(note)
