// Loaded with import(); side effects only.
window.__late = true
