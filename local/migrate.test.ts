import { randomUUID } from 'node:crypto'
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { applyMigrations, MIGRATIONS_DIR } from './migrate.ts'

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
    const [table] = await sql`select obj_description('chat.messages'::regclass) as comment`
    expect(table?.comment).toMatch(/deleted_at/)
    const columns = await sql`
      select a.attname as name, col_description(a.attrelid, a.attnum) as comment
      from pg_attribute a
      where a.attrelid = 'chat.messages'::regclass and a.attnum > 0 and not a.attisdropped`
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
      await sql`select relrowsecurity from pg_class where oid = 'chat.messages'::regclass`
    expect(table?.relrowsecurity).toBe(true)
    expect(await sql`select * from pg_policies where tablename = 'messages'`).toHaveLength(0)
  })

  it('refuses rows that break the room and body rules', async () => {
    const insert = (room: string, body: string) => sql`
      insert into chat.messages (id, room, sender_id, sender_name, body)
      values (${randomUUID()}, ${room}, 'u1', 'Ana', ${body})`
    await expect(insert('no spaces', 'hi')).rejects.toThrow(/room_name_format/)
    await expect(insert('ok', '')).rejects.toThrow(/messages_body_length/)
    await expect(insert('ok', '   ')).rejects.toThrow(/messages_body_length/)
    await expect(insert('ok', 'x'.repeat(4001))).rejects.toThrow(/messages_body_length/)
    await insert('ok', 'x'.repeat(4000))
  })

  it('serves the newest page, pages before a seq and gap fill after a seq from the index', async () => {
    await sql`
      insert into chat.messages (id, room, sender_id, sender_name, body)
      select gen_random_uuid(), 'room-' || (i % 200), 'u' || (i % 7), 'Ana', 'message ' || i
      from generate_series(1, 40000) as i`
    await sql`analyze chat.messages`
    const plans = [
      sql`explain select * from chat.messages where room = 'room-5' and deleted_at is null
          order by seq desc limit 51`,
      sql`explain select * from chat.messages where room = 'room-5' and deleted_at is null
          and seq < 20000 order by seq desc limit 51`,
      sql`explain select * from chat.messages where room = 'room-5' and deleted_at is null
          and seq > 20000 order by seq asc limit 51`,
    ]
    for (const plan of await Promise.all(plans)) {
      const text = plan.map((row) => row['QUERY PLAN']).join('\n')
      expect(text).toMatch(/Index Scan.* using messages_room_seq_idx/)
      expect(text).not.toMatch(/Seq Scan|Sort/)
    }
  })

  it('tells whether a room has private messages from the index, without reading its messages', async () => {
    await sql`
      insert into chat.messages (id, room, sender_id, sender_name, body)
      select gen_random_uuid(), 'public-' || (i % 20), 'u' || (i % 7), 'Ana', 'message ' || i
      from generate_series(1, 20000) as i`
    await sql`analyze chat.messages`
    // What every newest page asks (readNewestPublicPage in postgres-message-store.ts).
    const plan = await sql`
      explain select exists(select from chat.messages
        where room = 'public-5' and recipient_id is not null and deleted_at is null)`
    const text = plan.map((row) => row['QUERY PLAN']).join('\n')
    expect(text).toMatch(/Index Only Scan using messages_room_private/)
    expect(text).not.toMatch(/Seq Scan|messages_room_seq_idx/)
  })

  it('serves the retention purge from the index on created_at', async () => {
    await sql`
      insert into chat.messages (id, room, sender_id, sender_name, body)
      select gen_random_uuid(), 'purge-' || (i % 50), 'u' || (i % 7), 'Ana', 'message ' || i
      from generate_series(1, 20000) as i`
    await sql`analyze chat.messages`
    // The statement of chat.purge_expired_messages, for 30 days.
    const plan = await sql`
      explain with expired as (
        delete from chat.messages
        where created_at < now() - make_interval(days => 30)
        returning attachments
      )
      select count(*) from expired`
    const text = plan.map((row) => row['QUERY PLAN']).join('\n')
    expect(text).toMatch(/Index Scan using messages_created_idx/)
    expect(text).not.toMatch(/Seq Scan/)
  })
})

describe('the chat schema, as ops see it in Studio', () => {
  it('describes every table, view, column and function with a comment', async () => {
    const relations = await sql<{ name: string; comment: string | null }[]>`
      select c.relname as name, obj_description(c.oid, 'pg_class') as comment
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'chat' and c.relkind in ('r', 'v')`
    expect(relations.map((r) => r.name)).toEqual(
      expect.arrayContaining(['messages', 'uploads', 'room_activity', 'latest_messages']),
    )
    const columns = await sql<{ name: string; comment: string | null }[]>`
      select c.relname || '.' || a.attname as name, col_description(c.oid, a.attnum) as comment
      from pg_class c
      join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where n.nspname = 'chat' and c.relkind in ('r', 'v')`
    const functions = await sql<{ name: string; comment: string | null }[]>`
      select p.proname as name, obj_description(p.oid, 'pg_proc') as comment
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'chat'`
    expect(functions.map((f) => f.name)).toEqual(
      expect.arrayContaining(['lock_chat_room', 'persist_chat_message', 'purge_expired_messages']),
    )
    for (const object of [...relations, ...columns, ...functions])
      expect(object.comment, object.name).toBeTruthy()
  })

  it('holds every room as chat.room_name, the one room-name rule', async () => {
    const rooms = await sql<{ name: string; type: string }[]>`
      select c.relname || '.' || a.attname as name, format_type(a.atttypid, a.atttypmod) as type
      from pg_attribute a
      join pg_class c on c.oid = a.attrelid
      join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'chat' and c.relkind = 'r' and a.attname = 'room' and not a.attisdropped`
    expect(rooms.map((r) => r.name).sort()).toEqual([
      'blocked_senders.room',
      'messages.room',
      'moderation_log.room',
      'questions.room',
      'room_calls.room',
      'room_people.room',
      'room_settings.room',
      'uploads.room',
    ])
    const roomArguments = await sql<{ name: string; type: string }[]>`
      select p.proname || '(' || arg.name || ')' as name, format_type(arg.type, null) as type
      from pg_proc p
      join pg_namespace n on n.oid = p.pronamespace
      cross join lateral unnest(p.proargnames, coalesce(p.proallargtypes, p.proargtypes::oid[]))
        as arg(name, type)
      where n.nspname = 'chat' and arg.name = 'p_room'`
    expect(roomArguments.map((r) => r.name)).toEqual(
      expect.arrayContaining(['lock_chat_room(p_room)', 'persist_chat_message(p_room)']),
    )
    for (const held of [...rooms, ...roomArguments])
      expect(held.type, held.name).toBe('chat.room_name')

    await expect(
      sql`insert into chat.blocked_senders (sender_id, room) values ('u1', 'no spaces')`,
    ).rejects.toThrow(/room_name_format/)
    await expect(
      sql`insert into chat.uploads (path, room, uploader_id) values ('x/y/a.png', 'x/y', 'u1')`,
    ).rejects.toThrow(/room_name_format/)
    await expect(sql`select chat.lock_chat_room('no spaces')`).rejects.toThrow(/room_name_format/)
    await sql`insert into chat.blocked_senders (sender_id, room) values (${randomUUID()}, null)`
  })
})

describe('what was kept only for deployments that never happened', () => {
  it('is gone: each function has one signature, persist_chat_message the one the chat calls', async () => {
    const overloaded = await sql`
      select p.proname as name, count(*)::int as signatures
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'chat'
      group by p.proname
      having count(*) > 1`
    expect(overloaded).toEqual([])
    const persist = await sql`
      select p.oid::regprocedure::text as signature
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'chat' and p.proname = 'persist_chat_message'`
    // The call in functions/chat/postgres-message-store.ts: with a parent, mentions, a recipient
    // (id and name) and whether the sender is an owner.
    expect(persist).toEqual([
      {
        signature:
          'chat.persist_chat_message(uuid,chat.room_name,text,text,text,jsonb,integer,interval,uuid,jsonb,text,text,boolean)',
      },
    ])
    // What a chat function deployed before replies would have called.
    await expect(
      sql`select chat.persist_chat_message(
            ${randomUUID()}::uuid, 'old-client', 'u1', 'Ana', 'hello', '[]'::jsonb, 10,
            interval '1 minute')`,
    ).rejects.toThrow(/function chat\.persist_chat_message\(.*\) does not exist/)
  })
})

describe('a database migrated before the chat schema', () => {
  const name = `migrate_old_${randomUUID().slice(0, 8)}`
  const url = Object.assign(new URL(serverUrl.href), { pathname: `/${name}` }).href
  const old = postgres(url, { max: 1, onnotice: () => {} })
  let oldMigrations = ''

  beforeAll(async () => {
    await admin`create database ${admin(name)}`
    // The migrations as they were before the chat schema (an existing .backchannel folder, or a
    // hosted project that ran `supabase db push` then).
    oldMigrations = await mkdtemp(path.join(tmpdir(), 'backchannel-old-migrations-'))
    for (const file of await readdir(MIGRATIONS_DIR))
      if (file < '20261202020000')
        await copyFile(path.join(MIGRATIONS_DIR, file), path.join(oldMigrations, file))
  })

  afterAll(async () => {
    await old.end()
    await admin`drop database ${admin(name)} with (force)`
    await rm(oldMigrations, { recursive: true, force: true })
  })

  it('moves into chat with its rows, keeps working, and re-points a scheduled purge', async () => {
    await applyMigrations(url, oldMigrations)
    const id = randomUUID()
    const [before] = await old`
      select public.persist_chat_message(
        ${id}::uuid, 'old-room', 'u1', 'Ana', 'from before', '[]'::jsonb, 10, interval '1 minute'
      ) as result`
    expect(before?.result.outcome).toBe('created')
    await old`insert into public.blocked_senders (sender_id, room, reason) values ('u2', 'old-room', 'spam')`
    // pg_cron's job table and alter_job, as far as the migration uses them.
    await old.unsafe(`
      create schema cron;
      create table cron.job (
        jobid bigint generated always as identity primary key,
        command text not null,
        username text not null default current_user
      );
      create function cron.alter_job(job_id bigint, schedule text default null,
        command text default null, database text default null, username text default null,
        active boolean default null) returns void language sql
        as $$ update cron.job set command = coalesce(alter_job.command, job.command) where jobid = job_id $$;
      insert into cron.job (command) values
        ('select public.purge_expired_messages(30)'), ('select other.job()');`)

    // The chat schema's migration first, then the ones that came after it.
    expect((await applyMigrations(url))[0]).toBe('20261202020000')

    const left = await old`
      select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public'
      union all
      select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'public'`
    expect(left).toEqual([])
    const [kept] = await old`select seq, body from chat.messages where id = ${id}::uuid`
    expect(kept).toEqual({ seq: before?.result.message.seq.toString(), body: 'from before' })
    // A retry through the signature the chat function calls now finds the message it stored then.
    const [again] = await old`
      select result.outcome, (result.message).seq
      from chat.persist_chat_message(
        ${id}::uuid, 'old-room', 'u1', 'Ana', 'from before', '[]'::jsonb, 10, interval '1 minute',
        null, '[]'::jsonb, null, null, false
      ) as result`
    expect(again).toEqual({ outcome: 'duplicate', seq: kept?.seq })
    await expect(
      old`insert into chat.messages (id, room, sender_id, sender_name, body)
          values (${randomUUID()}::uuid, 'old-room', 'u2', 'Bo', 'blocked still')`,
    ).rejects.toMatchObject({ code: 'BCBLK' })
    expect(await old`select command from cron.job order by jobid`).toEqual([
      { command: 'select chat.purge_expired_messages(30)' },
      { command: 'select other.job()' },
    ])
  })
})
