// The example host app, built as a consumer builds it: `backchannel-chat` is the built module in
// dist/lib (run `npm run build:lib` first), never the repository's sources.
import path from 'node:path'
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

const repository = path.resolve(import.meta.dirname, '../..')
const lib = path.join(repository, 'dist/lib')

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  resolve: {
    alias: [
      { find: /^backchannel-chat$/, replacement: path.join(lib, 'backchannel.js') },
      { find: /^backchannel-chat\/styles\.css$/, replacement: path.join(lib, 'backchannel.css') },
    ],
  },
  build: {
    outDir: path.join(repository, 'dist/examples/host-app'),
    emptyOutDir: true,
    // Daily's SDK comes with daily-react: a Daily app bundles it anyway.
    chunkSizeWarningLimit: 1000,
  },
})
