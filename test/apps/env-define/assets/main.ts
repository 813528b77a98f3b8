declare const __APP_VERSION__: string

const env = import.meta.env as Record<string, unknown>

;(window as any).__probe = {
  ok: true,
  mode: import.meta.env.MODE,
  prod: import.meta.env.PROD,
  dev: import.meta.env.DEV,
  baseUrl: typeof import.meta.env.BASE_URL,
  greeting: import.meta.env.KILN_PUBLIC_GREETING,
  target: import.meta.env.KILN_PUBLIC_TARGET,
  fromShell: import.meta.env.KILN_PUBLIC_FROM_SHELL,
  // Never exposed: variables without the public prefix, from .env or from the environment.
  secrets: [env.DATABASE_PASSWORD, env.BUILD_SECRET, env.PATH].filter((v) => v !== undefined).length,
  nodeEnv: process.env.NODE_ENV,
  version: __APP_VERSION__,
  flag: (globalThis as any).FEATURE_FLAG,
}
document.getElementById('app')!.textContent = `v${__APP_VERSION__} (${import.meta.env.MODE})`
