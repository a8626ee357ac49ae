import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { type LocalStack, startLocalStack } from '../local/stack.ts'
import { type CheckResult, verifyDeploy } from './verify-deploy.ts'

const DAILY_API_KEY = 'verify-deploy-test-key-0123456789abcdef'
const APP_ORIGIN = 'https://chat.example.com'

const stacks: { stack: LocalStack; dataDir: string }[] = []
afterAll(async () => {
  for (const { stack, dataDir } of stacks) {
    await stack.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
})

/** The local stack serving the function as a deployment configured with `env` would. */
async function deployment(env: Record<string, string>) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'backchannel-verify-'))
  const stack = await startLocalStack({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    env: { DATABASE_URL: inject('databaseUrl'), DAILY_API_KEY, ...env },
  })
  stacks.push({ stack, dataDir })
  return `http://127.0.0.1:${new URL(stack.url).port}/functions/v1/chat`
}

const byName = (results: CheckResult[]) =>
  Object.fromEntries(results.map((result) => [result.name, result]))

describe('npm run verify:deploy', () => {
  it('passes a deployment with production settings: a message written and read back, then deleted', async () => {
    const functionUrl = await deployment({
      CHAT_OPEN_ROOMS: 'false',
      CHAT_ALLOWED_ORIGINS: APP_ORIGIN,
      CHAT_UPKEEP_SECRET: 'a-verify-deploy-upkeep-secret-of-40-chars',
    })
    const results = await verifyDeploy({
      functionUrl,
      dailyApiKey: DAILY_API_KEY,
      origin: APP_ORIGIN,
      room: 'verify-deploy-good',
    })
    expect(results.map(({ name, ok }) => [name, ok])).toEqual([
      ['health', true],
      ['write', true],
      ['read', true],
      ['clean up', true],
      ['closed rooms', true],
      ['CORS: other origins', true],
      ['CORS: your origin', true],
      ['upkeep route', true],
    ])
  })

  it('fails the development defaults, saying which setting to change', async () => {
    const functionUrl = await deployment({})
    const results = byName(
      await verifyDeploy({
        functionUrl,
        dailyApiKey: DAILY_API_KEY,
        origin: APP_ORIGIN,
        room: 'verify-deploy-defaults',
      }),
    )
    expect(results.write?.ok).toBe(true)
    expect(results['closed rooms']).toMatchObject({ ok: false, required: true })
    expect(results['closed rooms']?.detail).toContain('CHAT_OPEN_ROOMS=false')
    expect(results['CORS: other origins']).toMatchObject({ ok: false, required: true })
    expect(results['CORS: other origins']?.detail).toContain('CHAT_ALLOWED_ORIGINS')
    expect(results['upkeep route']).toMatchObject({ ok: false, required: true })
    expect(results['upkeep route']?.detail).toContain('CHAT_UPKEEP_SECRET is not set')
  })

  it('says when the key is not the function’s, and stops at a function that does not answer', async () => {
    const functionUrl = await deployment({ CHAT_OPEN_ROOMS: 'false' })
    const wrongKey = byName(
      await verifyDeploy({
        functionUrl,
        dailyApiKey: 'another-key-entirely-0123456789abcdef',
        room: 'verify-deploy-wrong-key',
      }),
    )
    expect(wrongKey.write).toMatchObject({ ok: false, required: true })
    expect(wrongKey.write?.detail).toContain('another DAILY_API_KEY')
    expect(wrongKey.read).toBeUndefined()

    const nothing = await verifyDeploy({
      functionUrl: 'http://127.0.0.1:9/functions/v1/chat',
      dailyApiKey: DAILY_API_KEY,
      room: 'verify-deploy-nothing',
    })
    expect(nothing).toHaveLength(1)
    expect(nothing[0]).toMatchObject({ name: 'health', ok: false, required: true })
  })

  it('refuses options it cannot use, with what to give instead', async () => {
    await expect(
      verifyDeploy({ functionUrl: 'not a url', dailyApiKey: DAILY_API_KEY, room: 'x' }),
    ).rejects.toThrow(/function URL/)
    await expect(
      verifyDeploy({
        functionUrl: 'https://x.example/functions/v1/chat',
        dailyApiKey: '',
        room: 'x',
      }),
    ).rejects.toThrow(/DAILY_API_KEY/)
  })
})
