import path from 'node:path'
import react from '@vitejs/plugin-react'
import { loadEnv, type Plugin } from 'vite'
import { defineConfig } from 'vitest/config'
import { emojiDataPlugin } from './web/build/emoji-data.vite.ts'
import { contentSecurityPolicy } from './web/csp.ts'
import { REFERRER_POLICY } from './web/security-headers.ts'

const localStack = `http://127.0.0.1:${process.env.PORT || 8787}`

/**
 * Puts the Content-Security-Policy and the referrer policy (the only page header that also works
 * as a meta tag) into the built index.html, for static hosts that send no header. Builds only:
 * Vite's dev server injects an inline script (React's hot reload).
 */
function contentSecurityPolicyMeta(policy: string): Plugin {
  return {
    name: 'backchannel-content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: policy },
        injectTo: 'head-prepend',
      },
      { tag: 'meta', attrs: { name: 'referrer', content: REFERRER_POLICY }, injectTo: 'head' },
    ],
  }
}

export default defineConfig(({ mode }) => {
  // The same variables the app is built with (.env and the shell), and SUPABASE_URL for Storage.
  const env = loadEnv(mode, '.', ['VITE_', 'SUPABASE_URL'])
  const policy = contentSecurityPolicy(
    {
      chatApiUrl: env.VITE_CHAT_API_URL,
      storageUrl: env.SUPABASE_URL,
      dailyDomain: env.VITE_DAILY_DOMAIN,
    },
    'meta',
  )
  return {
    root: 'web',
    envDir: '..',
    plugins: [react(), emojiDataPlugin(), contentSecurityPolicyMeta(policy)],
    // The contracts shared with the chat function (functions/_shared deploys with it).
    resolve: { alias: { '@shared': path.resolve(import.meta.dirname, 'functions/_shared') } },
    // A JSON object as one value, not a named export per key: unhomoglyph's confusables table
    // (≈6,300 keys, required by name-skeleton.ts) would otherwise be bundled three times over.
    json: { namedExports: false },
    build: { outDir: '../dist/web', emptyOutDir: true },
    // `npm run dev`: Vite's hot reload in front of a running local stack (`npm start`).
    server: {
      port: 5173,
      proxy: {
        '/functions': localStack,
        '/storage': localStack,
        '/relay': { target: localStack, ws: true },
      },
    },
    test: {
      root: '.',
      include: [
        'functions/**/*.test.ts',
        'local/**/*.test.ts',
        'ops/**/*.test.ts',
        'bench/**/*.test.ts',
        'web/**/*.test.{ts,tsx}',
        'e2e/**/*.e2e.test.ts',
        'docs/**/*.test.ts',
      ],
      globalSetup: ['./test/global-setup.ts'],
      testTimeout: 20_000,
      hookTimeout: 60_000,
    },
  }
})
