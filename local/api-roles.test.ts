import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { applyMigrations } from './migrate.ts'

// The attacker holds the anon key (it ships in every browser bundle) or a signed-in user's JWT:
// through Supabase's Data API they act as the database role anon or authenticated. This prepares a
// database as Supabase prepares a hosted project, before any migration, then runs the migrations
// and asks PostgreSQL what those roles may do.
const API_ROLES = ['anon', 'authenticated']

const databaseName = `api_roles_${randomUUID().slice(0, 8)}`
const serverUrl = new URL(inject('databaseUrl'))
const admin = postgres(serverUrl.href, { max: 1, onnotice: () => {} })
const databaseUrl = Object.assign(new URL(serverUrl.href), { pathname: `/${databaseName}` }).href
const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })

beforeAll(async () => {
  // Roles belong to the whole cluster (other test files share it): create them once, never drop.
  await admin.unsafe(`
    do $$
    declare
      api_role text;
    begin
      foreach api_role in array array['anon', 'authenticated', 'service_role'] loop
        if not exists (select from pg_roles where rolname = api_role) then
          begin
            execute format('create role %I nologin', api_role);
          exception when duplicate_object or unique_violation then
            null; -- created meanwhile by a concurrent run: just as good
          end;
        end if;
      end loop;
    end
    $$`)
  await admin`create database ${admin(databaseName)}`
  // Supabase's own setup SQL: everything the migrating user creates in public is the API roles'.
  await sql.unsafe(`
    grant usage on schema public to anon, authenticated, service_role;
    alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
    alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
    alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;`)
  await applyMigrations(databaseUrl)
})

afterAll(async () => {
  await sql.end()
  await admin`drop database ${admin(databaseName)} with (force)`
  await admin.end()
})

/** The objects of `public` and `chat` that `role` may use, as `<what> <name>`. */
async function reachableBy(role: string) {
  const rows = await sql<{ object: string }[]>`
    select 'function ' || p.oid::regprocedure as object
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname in ('public', 'chat') and has_function_privilege(${role}, p.oid, 'execute')
    union all
    select 'table ' || c.oid::regclass
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ('public', 'chat')
      and case when c.relkind in ('r', 'p', 'v', 'm', 'f')
               then has_table_privilege(${role}, c.oid,
                      'select, insert, update, delete, truncate, references, trigger')
                    or has_any_column_privilege(${role}, c.oid, 'select, insert, update, references')
          end
    union all
    select 'sequence ' || c.oid::regclass
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ('public', 'chat')
      -- (case: the planner may test the privilege before relkind, and toast tables are no sequences)
      and case when c.relkind = 'S'
               then has_sequence_privilege(${role}, c.oid, 'usage, select, update') end
    union all
    select 'schema chat' where has_schema_privilege(${role}, 'chat', 'usage, create')`
  return rows.map((row) => row.object)
}

describe('the API roles on a database prepared like a hosted Supabase project', () => {
  it('are granted what the migrating user creates in public (the preparation works)', async () => {
    await sql`create table public.probe (id int)`
    await sql`create function public.probe() returns int language sql as 'select 1'`
    try {
      const [granted] = await sql`
        select has_table_privilege('anon', 'public.probe', 'select') as table,
               has_function_privilege('anon', 'public.probe()', 'execute') as function`
      expect(granted).toEqual({ table: true, function: true })
    } finally {
      await sql`drop table public.probe`
      await sql`drop function public.probe()`
    }
  })

  it('find every table, view, sequence and function of the chat in chat, none in public', async () => {
    const objects = await sql<{ name: string }[]>`
      select c.oid::regclass::text as name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname in ('public', 'chat') and c.relkind in ('r', 'v', 'S')
      union all
      select p.oid::regprocedure::text
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname in ('public', 'chat')`
    const names = objects.map((o) => o.name)
    expect(names).toEqual(
      expect.arrayContaining([
        'chat.messages',
        'chat.blocked_senders',
        'chat.moderation_log',
        'chat.media_deletions',
        'chat.action_quotas',
        'chat.uploads',
        'chat.messages_revision_seq',
        'chat.room_activity',
        'chat.latest_messages',
        'chat.lock_chat_room(chat.room_name)',
        'chat.moderation_actor()',
        'chat.persist_chat_message(uuid,chat.room_name,text,text,text,jsonb,integer,interval,uuid,jsonb,text,text,boolean)',
      ]),
    )
    expect(names.filter((name) => !name.startsWith('chat.'))).toEqual([])
  })

  for (const role of API_ROLES) {
    it(`leave ${role} no function, table, view or sequence, nor the chat schema`, async () => {
      expect(await reachableBy(role)).toEqual([])
    })
  }

  it('refuse the anon key what it would try through the Data API', async () => {
    // PostgREST runs each request as `set local role anon`; then these are its reach.
    const attempt = (query: string) =>
      sql.begin(async (tx) => {
        await tx`set local role anon`
        return tx.unsafe(query)
      })
    await expect(attempt(`select chat.lock_chat_room('any-room')`)).rejects.toThrow(
      /permission denied for schema chat/,
    )
    await expect(attempt('select chat.moderation_actor()')).rejects.toThrow(
      /permission denied for schema chat/,
    )
    await expect(attempt('select * from chat.messages')).rejects.toThrow(
      /permission denied for schema chat/,
    )
    await expect(attempt(`select lock_chat_room('any-room')`)).rejects.toThrow(/does not exist/)
  })

  it('keep row level security on every table, the second wall', async () => {
    const tables = await sql<{ name: string; rls: boolean }[]>`
      select c.oid::regclass::text as name, c.relrowsecurity as rls
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'chat' and c.relkind = 'r'`
    expect(tables.length).toBeGreaterThanOrEqual(6)
    for (const table of tables) expect(table.rls, table.name).toBe(true)
  })
})
