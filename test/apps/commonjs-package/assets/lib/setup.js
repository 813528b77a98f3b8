// Side effects only: no import or export.
window.__setup = true
