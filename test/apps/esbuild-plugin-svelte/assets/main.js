import { mount } from 'svelte'
import Counter from './components/Counter.svelte'

mount(Counter, { target: document.getElementById('app'), props: { label: 'Svelte' } })
