import styles from './components/Button.module.css'
import layout from './styles/layout.module.css'

const shell = document.getElementById('app')!
shell.className = `app-shell ${layout.page}`

const button = document.createElement('button')
button.id = 'button'
button.className = styles.primary
button.textContent = 'Scoped'
shell.append(button)

const classes = String(styles.primary ?? '').split(/\s+/).filter(Boolean)
;(window as any).__probe = {
  ok: true,
  // A class-name map, scoped names (not the source names), and `composes` adds the composed classes.
  isMap: typeof styles === 'object' && styles !== null,
  scoped: classes.length > 0 && !classes.includes('primary'),
  composed: classes.length >= 3,
}
