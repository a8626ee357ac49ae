import { describe, expect, it } from 'vitest'
import { contentSecurityPolicy, parseFrameAncestors } from './csp.ts'

const directives = (policy: string) =>
  new Map(
    policy.split('; ').map((directive) => {
      const [name = '', ...sources] = directive.split(' ')
      return [name, sources]
    }),
  )

describe('contentSecurityPolicy', () => {
  it('allows scripts only from the app itself, and the function, Storage and media where they are', () => {
    const policy = directives(
      contentSecurityPolicy(
        {
          chatApiUrl: 'https://ref.supabase.co/functions/v1/chat',
          storageUrl: 'https://ref.supabase.co',
        },
        'meta',
      ),
    )
    expect(policy.get('script-src')).toEqual(["'self'"])
    expect(policy.get('connect-src')).toEqual(["'self'", 'https://ref.supabase.co'])
    expect(policy.get('img-src')).toEqual(["'self'", 'blob:', 'https://ref.supabase.co'])
    expect(policy.get('media-src')).toEqual(["'self'", 'blob:', 'https://ref.supabase.co'])
    expect(policy.get('object-src')).toEqual(["'none'"])
    expect(policy.get('base-uri')).toEqual(["'self'"])
    // Browsers ignore frame-ancestors in a meta tag: it is the header's.
    expect(policy.has('frame-ancestors')).toBe(false)
  })

  it("adds Daily's servers and CDN in Daily mode, and frame-ancestors to the header", () => {
    const policy = directives(
      contentSecurityPolicy({ dailyDomain: 'acme.daily.co' }, 'header', "'self'"),
    )
    expect(policy.get('script-src')).toEqual(["'self'", 'https://*.daily.co'])
    expect(policy.get('connect-src')).toEqual(["'self'", 'https://*.daily.co', 'wss://*.daily.co'])
    expect(policy.get('frame-ancestors')).toEqual(["'self'"])
    // The same-origin function (a path) adds nothing.
    expect(contentSecurityPolicy({ chatApiUrl: '/functions/v1/chat' }, 'header')).toBe(
      contentSecurityPolicy({}, 'header'),
    )
  })
})

describe('parseFrameAncestors', () => {
  it("is 'none' unless set, and keeps a list of sources", () => {
    expect(parseFrameAncestors(undefined)).toBe("'none'")
    expect(parseFrameAncestors('  ')).toBe("'none'")
    expect(parseFrameAncestors("'self'  https://intranet.example *.corp.example:443")).toBe(
      "'self' https://intranet.example *.corp.example:443",
    )
  })

  it('refuses what would smuggle other directives into the header, naming the variable', () => {
    for (const value of [
      "'self'; script-src *",
      'https://a.example,https://b.example',
      "'unsafe-inline'",
      "'none' https://a.example",
      'https://a.example\r\nSet-Cookie: x=1',
    ]) {
      expect(() => parseFrameAncestors(value), value).toThrow(/^CHAT_FRAME_ANCESTORS must list/)
    }
  })
})
