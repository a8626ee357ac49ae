-- Least privilege: everything Backchannel keeps moves out of `public` into its own schema, `chat`.
-- Supabase's Data API (PostgREST, /rest/v1) exposes `public` only, and a hosted project grants the
-- API roles (anon, authenticated, service_role) everything created in `public` by default, so the
-- anon key could call /rest/v1/rpc/lock_chat_room. In `chat` nothing is exposed and nothing is
-- granted; Studio still shows it all, comments included. Only the owner (the database user the
-- chat function connects as, `postgres` on Supabase) reads, writes and calls anything here. RLS
-- stays on every table as the second wall.
--
-- Moved, not re-created: rows, comments, indexes, triggers and the identity sequences go along.
-- Functions whose bodies name `public.` are replaced with bodies that name `chat.`; the three the
-- chat function calls now return rows instead of jsonb; the room-name rule becomes one domain.

create schema chat;
comment on schema chat is
  'Backchannel chat: messages, moderation, uploads, quotas and retention. Not exposed by the Data API; written and read only by the chat function''s database user (and by ops in Studio).';

-- The room-name rule, once: Daily's room names (ROOM_NAME_PATTERN in functions/_shared/protocol.ts).
create domain chat.room_name as text
  constraint room_name_format check (value ~ '^[A-Za-z0-9_-]{1,128}$');
comment on domain chat.room_name is
  'A Daily room name: letters, digits, - and _, 1 to 128 characters.';

-- The views read messages.room, whose type changes below: they are re-created in chat.
drop view public.room_activity;
drop view public.latest_messages;

-- Functions whose signature or result changes are re-created in chat below. (Triggers call only
-- functions that keep their signature; those are moved and replaced, so the triggers keep them.)
drop function public.persist_chat_message(uuid, text, text, text, text, jsonb, integer, interval);
drop function public.edit_chat_message(uuid, text, text, text);
drop function public.delete_chat_message(uuid, text, text, boolean);
drop function public.sender_block_reason(text, text);
drop function public.lock_chat_room(text);

alter table public.messages set schema chat;
alter table public.moderation_log set schema chat;
alter table public.blocked_senders set schema chat;
alter table public.media_deletions set schema chat;
alter table public.action_quotas set schema chat;
alter table public.uploads set schema chat;
alter sequence public.messages_revision_seq set schema chat;

alter function public.moderation_actor() set schema chat;
alter function public.messages_touch_revision() set schema chat;
alter function public.messages_log_deletion() set schema chat;
alter function public.blocked_senders_log() set schema chat;
alter function public.messages_refuse_blocked() set schema chat;
alter function public.messages_claim_uploads() set schema chat;
alter function public.purge_expired_messages(integer) set schema chat;
alter function public.take_action_quota(text, text, integer, integer) set schema chat;

-- Every column that holds a room is a chat.room_name; the per-table checks it replaces go.
alter table chat.messages
  drop constraint messages_room_format,
  alter column room type chat.room_name;
alter table chat.blocked_senders
  drop constraint blocked_senders_room_format,
  alter column room type chat.room_name;
alter table chat.uploads
  drop constraint uploads_room_format,
  alter column room type chat.room_name;
alter table chat.moderation_log alter column room type chat.room_name;

-- Retention deletes by age alone (purge_expired_messages); without this it reads the whole table.
create index messages_created_idx on chat.messages (created_at);
comment on index chat.messages_created_idx is
  'Serves retention: messages older than the retention period.';

create function chat.lock_chat_room(p_room chat.room_name) returns void
language sql
set search_path = ''
as $$
  select pg_advisory_xact_lock(hashtextextended('backchannel.room:' || p_room, 0))
$$;
comment on function chat.lock_chat_room is
  'Holds the room''s write lock until the end of the transaction: writes to one room commit in order.';

create function chat.sender_block_reason(p_sender_id text, p_room chat.room_name) returns text
language sql
stable
set search_path = ''
as $$
  select reason from chat.blocked_senders
  where sender_id = p_sender_id and (room is null or room = p_room)
  order by room nulls first
  limit 1
$$;
comment on function chat.sender_block_reason is
  'The reason a sender is blocked in a room (a block for that room, or everywhere), or null when they are not.';

-- The outcome and the stored row as typed columns: the chat function reads them as they are.
create function chat.persist_chat_message(
  p_id uuid,
  p_room chat.room_name,
  p_sender_id text,
  p_sender_name text,
  p_body text,
  p_attachments jsonb,
  p_rate_limit integer,
  p_rate_window interval,
  out outcome text,
  out retry_after_ms integer,
  out message chat.messages
)
language plpgsql
set search_path = ''
as $$
declare
  existing chat.messages;
  recent_count integer;
  oldest_recent timestamptz;
begin
  -- One writer per room at a time, until commit: seq then commits in order within a room, so a
  -- reader paging with after=<seq> can never skip a message that commits late.
  perform chat.lock_chat_room(p_room);

  select * into existing from chat.messages where id = p_id;
  if found then
    if existing.room <> p_room or existing.sender_id <> p_sender_id
       or existing.body <> p_body or existing.attachments <> p_attachments then
      outcome := 'conflict';
    elsif existing.deleted_at is not null then
      outcome := 'deleted';
    else
      outcome := 'duplicate';
      message := existing;
    end if;
    return;
  end if;

  select count(*), min(created_at) into recent_count, oldest_recent
  from chat.messages
  where room = p_room and sender_id = p_sender_id and created_at > clock_timestamp() - p_rate_window;
  if recent_count >= p_rate_limit then
    outcome := 'rate_limited';
    retry_after_ms :=
      ceil(extract(epoch from oldest_recent + p_rate_window - clock_timestamp()) * 1000);
    return;
  end if;

  insert into chat.messages (id, room, sender_id, sender_name, body, attachments, created_at)
  values (p_id, p_room, p_sender_id, p_sender_name, p_body, p_attachments, clock_timestamp())
  on conflict (id) do nothing
  returning * into message;
  if not found then
    -- The same id was stored meanwhile in another room.
    outcome := 'conflict';
    message := null;
    return;
  end if;
  outcome := 'created';
end
$$;
comment on function chat.persist_chat_message is
  'Stores one chat message for the chat function: idempotent by id (same content returns the stored row, other content is a conflict), rate-limited per sender and room, and serialized per room so seq commits in order. Returns the outcome (created, duplicate, conflict, deleted, rate_limited), retry_after_ms when rate-limited, and the stored message when created or duplicate.';

create function chat.edit_chat_message(
  p_id uuid,
  p_room chat.room_name,
  p_sender_id text,
  p_body text,
  out outcome text,
  out block_reason text,
  out message chat.messages
)
language plpgsql
set search_path = ''
as $$
declare
  existing chat.messages;
begin
  -- Serialized with the room's writes, so revisions commit in order within a room.
  perform chat.lock_chat_room(p_room);
  select * into existing from chat.messages where id = p_id and room = p_room;
  if not found then
    outcome := 'not_found';
    return;
  end if;
  if existing.deleted_at is not null then
    outcome := 'deleted';
    return;
  end if;
  if existing.sender_id <> p_sender_id then
    outcome := 'forbidden';
    return;
  end if;
  block_reason := chat.sender_block_reason(p_sender_id, p_room);
  if block_reason is not null then
    outcome := 'blocked';
    return;
  end if;
  if p_body = '' and jsonb_array_length(existing.attachments) = 0 then
    outcome := 'empty';
    return;
  end if;
  if existing.body = p_body then
    outcome := 'unchanged';
    message := existing;
    return;
  end if;
  update chat.messages set body = p_body, edited_at = clock_timestamp()
  where id = p_id
  returning * into message;
  outcome := 'edited';
end
$$;
comment on function chat.edit_chat_message is
  'Edits a message''s text for the chat function: only its sender, never a deleted message, idempotent for the same text. Returns the outcome (edited, unchanged, not_found, deleted, forbidden, blocked, empty), block_reason when blocked, and the message when edited or unchanged.';

create function chat.delete_chat_message(
  p_id uuid,
  p_room chat.room_name,
  p_actor_id text,
  p_actor_is_owner boolean
) returns text
language plpgsql
set search_path = ''
as $$
declare
  existing chat.messages;
begin
  perform chat.lock_chat_room(p_room);
  select * into existing from chat.messages where id = p_id and room = p_room;
  if not found then
    return 'not_found';
  end if;
  if existing.sender_id <> p_actor_id and not p_actor_is_owner then
    return 'forbidden';
  end if;
  if existing.deleted_at is not null then
    return 'deleted';
  end if;
  update chat.messages set deleted_at = clock_timestamp(), deleted_by = p_actor_id
  where id = p_id;
  return 'deleted';
end
$$;
comment on function chat.delete_chat_message is
  'Deletes (hides) a message for the chat function: its sender or a room owner; idempotent. Returns deleted, not_found or forbidden.';

-- The moved functions, with bodies that name chat (same signatures: triggers and comments stay).
create or replace function chat.messages_touch_revision() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.body is distinct from old.body
     or new.attachments is distinct from old.attachments
     or new.deleted_at is distinct from old.deleted_at then
    -- Changes made in Studio queue behind the room's writes like the chat's own, so revisions
    -- commit in order within a room and no client catching up can skip one.
    perform chat.lock_chat_room(new.room);
    new.revision := nextval('chat.messages_revision_seq');
    if new.deleted_at is null then
      new.deleted_by := null;
    elsif old.deleted_at is null and new.deleted_by is not distinct from old.deleted_by then
      -- Deleted outside the chat (Studio, SQL): remember which database user did it.
      new.deleted_by := chat.moderation_actor();
    end if;
  end if;
  return new;
end
$$;

create or replace function chat.messages_log_deletion() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.deleted_at is not null and old.deleted_at is null then
    insert into chat.moderation_log (action, room, message_id, sender_id, actor)
    values ('delete_message', new.room, new.id, new.sender_id, new.deleted_by);
  elsif new.deleted_at is null and old.deleted_at is not null then
    insert into chat.moderation_log (action, room, message_id, sender_id, actor)
    values ('restore_message', new.room, new.id, new.sender_id, chat.moderation_actor());
  end if;
  return null;
end
$$;

create or replace function chat.blocked_senders_log() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into chat.moderation_log (action, room, sender_id, actor, reason)
    values ('block_sender', new.room, new.sender_id, new.blocked_by, new.reason);
    return new;
  end if;
  insert into chat.moderation_log (action, room, sender_id, actor, reason)
  values ('unblock_sender', old.room, old.sender_id, chat.moderation_actor(), old.reason);
  return old;
end
$$;

create or replace function chat.messages_refuse_blocked() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  reason text := chat.sender_block_reason(new.sender_id, new.room);
begin
  if reason is not null then
    -- SQLSTATE BCBLK: the chat function answers it with 403 sender_blocked and the reason.
    raise exception 'sender % is blocked in room %', new.sender_id, new.room
      using errcode = 'BCBLK', detail = reason;
  end if;
  return new;
end
$$;

create or replace function chat.messages_claim_uploads() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  file_path text;
  upload chat.uploads;
begin
  for file_path in select file ->> 'path' from jsonb_array_elements(new.attachments) as file loop
    -- Locked, so that of two messages claiming one file exactly one gets it.
    select * into upload from chat.uploads where path = file_path for update;
    if not found or upload.uploader_id <> new.sender_id or upload.room <> new.room then
      -- SQLSTATE BCFNY: the chat function answers it with 403 file_not_yours.
      raise exception 'file % was not uploaded by % in room %', file_path, new.sender_id, new.room
        using errcode = 'BCFNY', detail = file_path;
    end if;
    if upload.message_id is not null then
      -- SQLSTATE BCFSN: the chat function answers it with 409 file_already_sent.
      raise exception 'file % was already sent with message %', file_path, upload.message_id
        using errcode = 'BCFSN', detail = file_path;
    end if;
    update chat.uploads set message_id = new.id where path = file_path;
  end loop;
  return null;
end
$$;

create or replace function chat.purge_expired_messages(retention_days integer) returns integer
language plpgsql
set search_path = ''
as $$
declare
  purged integer;
begin
  if retention_days is null or retention_days < 1 then
    raise exception 'retention_days must be at least 1, got %', retention_days;
  end if;
  -- Their upload rows go with them (uploads.message_id cascades). Served by messages_created_idx.
  with expired as (
    delete from chat.messages
    where created_at < now() - make_interval(days => retention_days)
    returning attachments
  ), files as (
    insert into chat.media_deletions (path)
    select file ->> 'path' from expired, jsonb_array_elements(expired.attachments) as file
    on conflict do nothing
  )
  select count(*) into purged from expired;

  -- An upload URL is valid for 2 hours; a file still not sent a day after is abandoned.
  with abandoned as (
    delete from chat.uploads
    where message_id is null and created_at < now() - interval '1 day'
    returning path
  )
  insert into chat.media_deletions (path)
  select path from abandoned
  on conflict do nothing;

  -- Counters do not record their window's length: windows are at most a day long in practice,
  -- so a window that started two days ago ended more than a day ago. (A longer window's counter
  -- removed early only forgives its subject.)
  delete from chat.action_quotas where window_start < now() - interval '2 days';

  insert into chat.moderation_log (action, actor, details)
  values ('purge_messages', chat.moderation_actor(),
          jsonb_build_object('retention_days', retention_days, 'messages', purged));
  return purged;
end
$$;

create or replace function chat.take_action_quota(
  p_action text,
  p_subject text,
  p_limit integer,
  p_window_seconds integer
) returns integer
language plpgsql
set search_path = ''
as $$
declare
  now_epoch double precision := extract(epoch from clock_timestamp());
  current_window timestamptz := to_timestamp(floor(now_epoch / p_window_seconds) * p_window_seconds);
  used_now integer;
begin
  if p_limit < 1 or p_window_seconds < 1 then
    raise exception 'quota limit and window must be positive, got % per % s', p_limit, p_window_seconds;
  end if;
  -- One statement, atomic under concurrency: concurrent attempts queue on the counter's row.
  insert into chat.action_quotas as quota (action, subject, window_start, used)
  values (p_action, p_subject, current_window, 1)
  on conflict (action, subject, window_start) do update set used = quota.used + 1
  returning quota.used into used_now;
  if used_now <= p_limit then
    return 0;
  end if;
  return greatest(1, ceil((extract(epoch from current_window) + p_window_seconds - now_epoch) * 1000))::integer;
end
$$;

-- Views for Studio, as before.
create view chat.room_activity with (security_invoker = true) as
select
  room,
  count(*) filter (where deleted_at is null) as messages,
  count(*) filter (where deleted_at is not null) as deleted_messages,
  count(distinct sender_id) as senders,
  min(created_at) as first_message_at,
  max(created_at) as last_message_at
from chat.messages
group by room;
comment on view chat.room_activity is
  'Activity per room: visible and deleted messages, distinct senders, first and last message. Newest rooms: sort by last_message_at.';
comment on column chat.room_activity.room is 'The room.';
comment on column chat.room_activity.messages is 'Messages visible in the room.';
comment on column chat.room_activity.deleted_messages is 'Messages deleted (hidden) in the room.';
comment on column chat.room_activity.senders is 'Distinct people who wrote in the room.';
comment on column chat.room_activity.first_message_at is 'When the first message was sent.';
comment on column chat.room_activity.last_message_at is 'When the latest message was sent.';

create view chat.latest_messages with (security_invoker = true) as
select id, room, sender_id, sender_name, body, jsonb_array_length(attachments) as files,
       created_at, edited_at, deleted_at
from chat.messages
order by seq desc
limit 500;
comment on view chat.latest_messages is
  'The 500 newest messages across all rooms, deleted ones included (see deleted_at). To delete one, set deleted_at in the messages table.';
comment on column chat.latest_messages.id is 'Message id (as in messages).';
comment on column chat.latest_messages.room is 'The room it was sent in.';
comment on column chat.latest_messages.sender_id is 'Sender''s user id (block them in blocked_senders).';
comment on column chat.latest_messages.sender_name is 'Sender''s display name.';
comment on column chat.latest_messages.body is 'The text.';
comment on column chat.latest_messages.files is 'How many files are attached.';
comment on column chat.latest_messages.created_at is 'When it was sent.';
comment on column chat.latest_messages.edited_at is 'When it was last edited, if ever.';
comment on column chat.latest_messages.deleted_at is 'When it was deleted, if it was.';

-- A retention job scheduled with pg_cron as the README said before (public.purge_expired_messages)
-- keeps running: it now calls chat's.
do $$
begin
  if to_regclass('cron.job') is not null then
    perform cron.alter_job(
      job.jobid,
      command => replace(job.command, 'public.purge_expired_messages', 'chat.purge_expired_messages')
    )
    from cron.job as job
    where job.command like '%public.purge_expired_messages%' and job.username = current_user;
  end if;
end
$$;

-- Nobody but the owner: not PUBLIC (which PostgreSQL grants EXECUTE on every new function), not
-- the API roles (the moved objects carry the grants Supabase gave them in public). A later
-- migration that adds to chat ends with the same revokes; local/api-roles.test.ts checks them.
revoke all on schema chat from public;
revoke all on all tables in schema chat from public;
revoke all on all sequences in schema chat from public;
revoke all on all functions in schema chat from public;
do $$
declare
  api_role text;
begin
  for api_role in
    select rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role')
  loop
    execute format('revoke all on schema chat from %I', api_role);
    execute format('revoke all on all tables in schema chat from %I', api_role);
    execute format('revoke all on all sequences in schema chat from %I', api_role);
    execute format('revoke all on all functions in schema chat from %I', api_role);
  end loop;
end
$$;
