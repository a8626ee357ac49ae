import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { applyMigrations } from './migrate.ts'

// Each run migrates a database of its own, from empty.
const databaseName = `migrate_${randomUUID().slice(0, 8)}`
const serverUrl = new URL(inject('databaseUrl'))
const admin = postgres(serverUrl.href, { max: 1, onnotice: () => {} })
const databaseUrl = Object.assign(new URL(serverUrl.href), { pathname: `/${databaseName}` }).href
const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })

beforeAll(async () => {
  await admin`create database ${admin(databaseName)}`
})

afterAll(async () => {
  await sql.end()
  await admin`drop database ${admin(databaseName)} with (force)`
  await admin.end()
})

describe('applyMigrations', () => {
  it('applies every migration once and records it where the Supabase CLI does', async () => {
    const first = await applyMigrations(databaseUrl)
    expect(first.length).toBeGreaterThan(0)
    expect(await applyMigrations(databaseUrl)).toEqual([])
    const recorded = await sql`select version from supabase_migrations.schema_migrations order by 1`
    expect(recorded.map((row) => row.version)).toEqual(first)
  })

  it('lets two starts race without applying anything twice', async () => {
    const racers = await Promise.all([applyMigrations(databaseUrl), applyMigrations(databaseUrl)])
    expect(racers).toEqual([[], []])
  })
})

describe('the messages table, as ops see it in Studio', () => {
  it('describes the table and every column with a comment', async () => {
    const [table] = await sql`select obj_description('public.messages'::regclass) as comment`
    expect(table?.comment).toMatch(/deleted_at/)
    const columns = await sql`
      select a.attname as name, col_description(a.attrelid, a.attnum) as comment
      from pg_attribute a
      where a.attrelid = 'public.messages'::regclass and a.attnum > 0 and not a.attisdropped`
    expect(columns.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'id',
        'seq',
        'room',
        'sender_id',
        'sender_name',
        'body',
        'attachments',
        'created_at',
        'deleted_at',
      ]),
    )
    for (const column of columns) expect(column.comment, column.name).toBeTruthy()
  })

  it('has row level security on and no policy for the API roles', async () => {
    const [table] =
      await sql`select relrowsecurity from pg_class where oid = 'public.messages'::regclass`
    expect(table?.relrowsecurity).toBe(true)
    expect(await sql`select * from pg_policies where tablename = 'messages'`).toHaveLength(0)
  })

  it('refuses rows that break the room and body rules', async () => {
    const insert = (room: string, body: string) => sql`
      insert into public.messages (id, room, sender_id, sender_name, body)
      values (${randomUUID()}, ${room}, 'u1', 'Ana', ${body})`
    await expect(insert('no spaces', 'hi')).rejects.toThrow(/messages_room_format/)
    await expect(insert('ok', '')).rejects.toThrow(/messages_body_length/)
    await expect(insert('ok', '   ')).rejects.toThrow(/messages_body_length/)
    await expect(insert('ok', 'x'.repeat(4001))).rejects.toThrow(/messages_body_length/)
    await insert('ok', 'x'.repeat(4000))
  })

  it('serves the newest page, pages before a seq and gap fill after a seq from the index', async () => {
    await sql`
      insert into public.messages (id, room, sender_id, sender_name, body)
      select gen_random_uuid(), 'room-' || (i % 200), 'u' || (i % 7), 'Ana', 'message ' || i
      from generate_series(1, 40000) as i`
    await sql`analyze public.messages`
    const plans = [
      sql`explain select * from public.messages where room = 'room-5' and deleted_at is null
          order by seq desc limit 51`,
      sql`explain select * from public.messages where room = 'room-5' and deleted_at is null
          and seq < 20000 order by seq desc limit 51`,
      sql`explain select * from public.messages where room = 'room-5' and deleted_at is null
          and seq > 20000 order by seq asc limit 51`,
    ]
    for (const plan of await Promise.all(plans)) {
      const text = plan.map((row) => row['QUERY PLAN']).join('\n')
      expect(text).toMatch(/Index Scan.* using messages_room_seq_idx/)
      expect(text).not.toMatch(/Seq Scan|Sort/)
    }
  })
})
