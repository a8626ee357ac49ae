// Imported first by main.tsx: zod decides whether to compile its parsers (with Function) as each
// schema is built, and the Content-Security-Policy refuses eval. Parsers then run without it.
import { z } from 'zod'

z.config({ jitless: true })
