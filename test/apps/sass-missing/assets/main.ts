// sass is not installed in this app
import './styles/theme.scss'

document.body.dataset.ran = 'yes'
