export const VERSION = '1.0.0'

export function formatGreeting(name: string): string {
  return `Hello, ${name}!`
}
