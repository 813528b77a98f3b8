export function format(name) {
  return `ESM in a ${name}`
}
