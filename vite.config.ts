import react from '@vitejs/plugin-react'
import { defineConfig } from 'vitest/config'

const localStack = `http://127.0.0.1:${process.env.PORT || 8787}`

export default defineConfig({
  root: 'web',
  envDir: '..',
  plugins: [react()],
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
      'web/**/*.test.{ts,tsx}',
      'e2e/**/*.e2e.test.ts',
    ],
    globalSetup: ['./test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
  },
})
