export const title = 'Home'
export default function render(): string {
  return `<h2 class="page">${title}</h2>`
}
