/** @type {import('tailwindcss').Config} */
module.exports = {
  content: ['./assets/**/*.{ts,tsx}'],
  theme: {
    extend: {
      colors: { brand: '#0b7285' },
    },
  },
  plugins: [],
}
