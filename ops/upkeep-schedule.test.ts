import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyMigrations } from '../local/migrate.ts'
import { type RunningPgCron, startPgCronPostgres } from '../test/pg-cron.ts'

// chat.schedule_upkeep on a real pg_cron (Debian's PostgreSQL 15 and pg_cron, as Supabase has).
// pg_net has no Debian package and Vault is Supabase's: both are stood in for by a few lines of
// SQL with their interface (net.http_post, vault.decrypted_secrets), the net one recording calls.
const FUNCTION_URL = 'https://project-ref.supabase.co/functions/v1/chat'
const UPKEEP_URL = `${FUNCTION_URL}/upkeep`
const SECRET = `upkeep-${randomUUID()}-${randomUUID()}`

const NET_STAND_IN = `
  create schema net;
  create table net.posted (url text, body jsonb, headers jsonb, timeout_milliseconds integer);
  create function net.http_post(
    url text,
    body jsonb default '{}'::jsonb,
    params jsonb default '{}'::jsonb,
    headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
    timeout_milliseconds integer default 5000
  ) returns bigint language sql as $$
    insert into net.posted values (url, body, headers, timeout_milliseconds);
    select count(*) from net.posted;
  $$;`
const VAULT_STAND_IN = `
  create schema vault;
  create table vault.secrets (name text primary key, secret text not null);
  create view vault.decrypted_secrets as select name, secret as decrypted_secret from vault.secrets;`

describe('chat.schedule_upkeep on pg_cron', () => {
  let cron: RunningPgCron
  let sql: postgres.Sql

  beforeAll(async () => {
    cron = await startPgCronPostgres()
    sql = postgres(cron.url, { max: 1, onnotice: () => {} })
    // As on Supabase: the extension is enabled before the migrations run.
    await sql`create extension pg_cron`
    await applyMigrations(cron.url)
  }, 300_000)

  afterAll(async () => {
    await sql?.end()
    await cron?.stop()
  })

  it('asks for pg_net, then for the secret in Vault, before scheduling anything', async () => {
    await expect(sql`select chat.schedule_upkeep(${FUNCTION_URL})`).rejects.toMatchObject({
      message: 'pg_net is not enabled in this database',
      hint: expect.stringContaining('create extension pg_net'),
    })
    await sql.unsafe(NET_STAND_IN)
    await expect(sql`select chat.schedule_upkeep(${FUNCTION_URL})`).rejects.toMatchObject({
      message: 'Supabase Vault is not available in this database',
    })
    await sql.unsafe(VAULT_STAND_IN)
    await expect(sql`select chat.schedule_upkeep(${FUNCTION_URL})`).rejects.toMatchObject({
      message: 'Vault has no secret named backchannel_upkeep_secret',
      hint: expect.stringContaining("vault.create_secret('<the secret>'"),
    })
    expect(await sql`select jobid from cron.job`).toEqual([])
  })

  it('schedules one job hourly that purges and posts to the upkeep route, the secret not in it', async () => {
    await sql`insert into vault.secrets (name, secret) values ('backchannel_upkeep_secret', ${SECRET})`

    const [scheduled] = await sql<{ jobid: string }[]>`
      select chat.schedule_upkeep(${FUNCTION_URL}) as jobid`

    const jobs = await sql`
      select jobid, jobname, schedule, command, database, username, active from cron.job`
    expect(jobs).toEqual([
      {
        jobid: scheduled?.jobid,
        jobname: 'backchannel-upkeep',
        schedule: '17 * * * *',
        command: expect.stringContaining('select chat.purge_expired_messages(30);'),
        database: 'backchannel',
        username: 'postgres',
        active: true,
      },
    ])
    expect(jobs[0]?.command).toContain(`url := '${UPKEEP_URL}'`)
    expect(jobs[0]?.command).toContain('from vault.decrypted_secrets')
    expect(jobs[0]?.command).not.toContain(SECRET)
  })

  it("running the job's command purges, then posts once with the secret from Vault", async () => {
    const old = randomUUID()
    const file = `cron-room/${randomUUID()}.png`
    await sql`insert into chat.uploads (path, room, uploader_id) values (${file}, 'cron-room', 'u1')`
    await sql`insert into chat.messages (id, room, sender_id, sender_name, body, attachments, created_at)
      values (${old}::uuid, 'cron-room', 'u1', 'Ana', 'from long ago',
              ${sql.json([{ path: file, name: 'old.png', type: 'image/png', size: 3 }])},
              now() - interval '40 days')`
    const [job] = await sql<{ command: string }[]>`
      select command from cron.job where jobname = 'backchannel-upkeep'`

    // As pg_cron runs it: the whole command in one go (one transaction).
    await sql.unsafe(job?.command ?? '')

    expect(await sql`select body, headers, url, timeout_milliseconds from net.posted`).toEqual([
      {
        url: UPKEEP_URL,
        body: {},
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${SECRET}` },
        timeout_milliseconds: 60_000,
      },
    ])
    expect(await sql`select id from chat.messages where id = ${old}::uuid`).toEqual([])
    // Its file waits for the function, which removes it from Storage.
    expect(await sql`select path from chat.media_deletions`).toEqual([{ path: file }])
    const [logged] = await sql`
      select actor, details from chat.moderation_log
      where action = 'purge_messages' order by id desc limit 1`
    expect(logged).toEqual({
      actor: 'scheduled upkeep',
      details: { retention_days: 30, messages: 1 },
    })
  })

  it('replaces its job when called again, and takes the upkeep URL as the function URL', async () => {
    await sql`select chat.schedule_upkeep(${`${UPKEEP_URL}/`}, 7, '5 3 * * *')`

    const jobs = await sql<{ schedule: string; command: string }[]>`
      select schedule, command from cron.job`
    expect(jobs).toHaveLength(1)
    expect(jobs[0]?.schedule).toBe('5 3 * * *')
    expect(jobs[0]?.command).toContain('select chat.purge_expired_messages(7);')
    expect(jobs[0]?.command).toContain(`url := '${UPKEEP_URL}'`)
  })

  it('refuses a URL that is not one, a retention under a day and a schedule cron cannot read', async () => {
    await expect(sql`select chat.schedule_upkeep('project-ref.supabase.co')`).rejects.toMatchObject(
      { message: "Not the chat function's URL: project-ref.supabase.co" },
    )
    await expect(sql`select chat.schedule_upkeep(${FUNCTION_URL}, 0)`).rejects.toThrow(
      'p_retention_days must be at least 1, got 0',
    )
    await expect(
      sql`select chat.schedule_upkeep(${FUNCTION_URL}, 30, 'every hour')`,
    ).rejects.toThrow(/invalid schedule/)
    // The job scheduled before is left as it was.
    expect(await sql`select schedule from cron.job`).toEqual([{ schedule: '5 3 * * *' }])
  })

  it('runs on its own when pg_cron fires it: the run succeeds and posts once', async () => {
    // Every minute, the finest pg_cron 1.4 has: the run comes at the next minute's start.
    await sql`truncate net.posted`
    await sql`select cron.alter_job(jobid, schedule => '* * * * *') from cron.job`

    let runs: { status: string; return_message: string }[] = []
    const deadline = Date.now() + 100_000
    while (runs.length === 0 && Date.now() < deadline) {
      runs = await sql`select status, return_message from cron.job_run_details
        where status in ('succeeded', 'failed')`
      if (runs.length === 0) await new Promise((resolve) => setTimeout(resolve, 500))
    }
    await sql`select cron.unschedule('backchannel-upkeep')`

    expect(runs[0]).toMatchObject({ status: 'succeeded' })
    const posted = await sql`select url, headers from net.posted`
    expect(posted).toEqual([
      {
        url: UPKEEP_URL,
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${SECRET}` },
      },
    ])
  }, 120_000)
})
