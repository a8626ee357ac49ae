-- The schema `chat` and what every other file here builds on: where extensions live, the
-- room-name rule, a room's write lock, who a change is credited to, and the routine that keeps
-- the API roles out.
--
-- This folder is Backchannel's whole database as it is now, one concern per file, applied in
-- file-name order to an empty database. supabase/migrations holds the same as a history of
-- changes, which is how an existing database gets here; local/declarative-schema.test.ts fails
-- when the two build different databases. To change the database, edit the file of its concern
-- here and add a migration that makes the same change.
--
-- Least privilege: everything Backchannel keeps is in its own schema, `chat`. Supabase's Data API
-- (PostgREST, /rest/v1) exposes `public` only, and a hosted project grants the API roles (anon,
-- authenticated, service_role) everything created in `public` by default. In `chat` nothing is
-- exposed and nothing is granted; Studio still shows it all, comments included. Only the owner
-- (the database user the chat function connects as, `postgres` on Supabase) reads, writes and
-- calls anything here. Row level security is on for every table, with no policy, as the second
-- wall.

create schema chat;
comment on schema chat is
  'Backchannel chat: messages with their replies, mentions, reactions, pins and reports; room settings, moderation, uploads, quotas and retention. Not exposed by the Data API; written and read only by the chat function''s database user (and by ops in Studio).';

-- Extensions go where Supabase keeps them. btree_gin lets one index hold a room and the words of
-- its messages together (messages_search, 10_messages.sql).
create schema if not exists extensions;
comment on schema extensions is 'Extensions (Supabase keeps them here).';
create extension if not exists btree_gin with schema extensions;

-- The room-name rule, once: Daily's room names (ROOM_NAME_PATTERN in functions/_shared/protocol.ts).
-- Every column and argument that holds a room is a chat.room_name.
create domain chat.room_name as text
  constraint room_name_format check (value ~ '^[A-Za-z0-9_-]{1,128}$');
comment on domain chat.room_name is
  'A Daily room name: letters, digits, - and _, 1 to 128 characters.';

-- Every write to a room queues behind this lock, whoever makes it (the chat, Studio), so a room's
-- seqs and revisions commit in order.
create function chat.lock_chat_room(p_room chat.room_name) returns void
language sql
set search_path = ''
as $$
  select pg_advisory_xact_lock(hashtextextended('backchannel.room:' || p_room, 0))
$$;
comment on function chat.lock_chat_room is
  'Holds the room''s write lock until the end of the transaction: writes to one room commit in order.';

-- Who a change is credited to: what the caller declared (set_config('backchannel.actor', ...)),
-- else the database user (the one signed in to Studio, or pg_cron's).
create function chat.moderation_actor() returns text
language sql
stable
set search_path = ''
as $$
  select coalesce(nullif(current_setting('backchannel.actor', true), ''), current_user)
$$;
comment on function chat.moderation_actor is
  'Who a moderation change is credited to: the declared backchannel.actor setting, else the database user.';

-- Nobody but the owner. PostgreSQL grants EXECUTE on every new function to PUBLIC, and a hosted
-- project's API roles may hold grants; this takes them all back. It runs last (99_lock_out.sql),
-- once everything exists, and every migration that creates something in chat ends by calling it.
-- local/api-roles.test.ts checks what the API roles can reach.
create procedure chat.lock_out_api_roles()
language plpgsql
set search_path = ''
as $$
declare
  api_role text;
begin
  revoke all on all tables in schema chat from public;
  revoke all on all sequences in schema chat from public;
  -- Routines: functions and procedures (this one included).
  revoke all on all routines in schema chat from public;
  for api_role in
    select rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role')
  loop
    execute format('revoke all on schema chat from %I', api_role);
    execute format('revoke all on all tables in schema chat from %I', api_role);
    execute format('revoke all on all sequences in schema chat from %I', api_role);
    execute format('revoke all on all routines in schema chat from %I', api_role);
  end loop;
end
$$;
comment on procedure chat.lock_out_api_roles is
  'Revokes everything in the schema chat from public and from Supabase''s API roles (anon, authenticated, service_role, where they exist): only the owner, the chat function and ops reach it. Every migration that creates something in chat ends with call chat.lock_out_api_roles().';
