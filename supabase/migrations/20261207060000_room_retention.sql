-- Retention per room (issue 21, item 3): owners choose how long their room's chat is kept, the
-- project's default, a number of days, or until the call ends plus a grace period. The end of a
-- call is recorded per room (room_calls) from Daily's meeting.ended webhook or the local relay;
-- every upkeep pass runs purge_by_room_retention, and the default purge leaves rooms with their
-- own number of days alone.

-- How long each room's chat is kept, chosen by its owners (PUT /rooms/:room/settings):
-- 'default' (the project's purge, chat.purge_expired_messages), 'days' (this many days, longer or
-- shorter than the default) or 'call' (until the call ends, plus a grace period). Enforced by
-- chat.purge_by_room_retention (90_retention.sql), which every upkeep pass runs.
alter table chat.room_settings
  add column retention_kind text not null default 'default',
  add column retention_days integer,
  add column retention_grace_minutes integer,
  add constraint room_settings_retention check (
    (retention_kind = 'default' and retention_days is null and retention_grace_minutes is null)
    or (retention_kind = 'days' and coalesce(retention_days between 1 and 3650, false)
        and retention_grace_minutes is null)
    or (retention_kind = 'call' and coalesce(retention_grace_minutes between 0 and 10080, false)
        and retention_days is null)
  );
comment on column chat.room_settings.retention_kind is
  'How long the room''s chat is kept: default (the project''s retention, e.g. CHAT_RETENTION_DAYS), days (retention_days days) or call (until retention_grace_minutes after the call ends, see room_calls).';
comment on column chat.room_settings.retention_days is
  'For retention_kind days: messages older than this many days (1 to 3650) are purged. Null otherwise.';
comment on column chat.room_settings.retention_grace_minutes is
  'For retention_kind call: the chat is purged this many minutes (0 to 10080, a week) after the call ends, unless it resumed. Null otherwise.';

create table chat.room_calls (
  room chat.room_name primary key,
  ended_at timestamptz not null,
  recorded_at timestamptz not null default now()
);
comment on table chat.room_calls is
  'When each room''s call last ended: from Daily''s meeting.ended webhook (POST /webhooks/daily) or, locally, the relay once the room stayed empty. A meeting.started after it (or the relay seeing someone join) removes the row; a message sent after ended_at also counts as the call having resumed. Rooms whose retention is call lose their chat retention_grace_minutes after ended_at.';
comment on column chat.room_calls.room is 'The room (Daily''s room name).';
comment on column chat.room_calls.ended_at is
  'When the last person left (Daily''s end_ts): the grace period counts from here.';
comment on column chat.room_calls.recorded_at is 'When the function learnt of the end.';
alter table chat.room_calls enable row level security;

-- For the chat function: a room's call ended at p_ended_at. A later end wins; an older one (a late
-- or repeated delivery) changes nothing.
create function chat.record_call_end(p_room chat.room_name, p_ended_at timestamptz)
returns void
language sql
set search_path = ''
as $$
  insert into chat.room_calls as calls (room, ended_at) values (p_room, p_ended_at)
  on conflict (room) do update
    set ended_at = excluded.ended_at, recorded_at = now()
    where calls.ended_at < excluded.ended_at
$$;
comment on function chat.record_call_end is
  'Records that a room''s call ended at p_ended_at (the newest end wins), for retention until the call ends.';

-- For the chat function: a call started in the room at p_started_at; an end recorded before it is
-- over (the call resumed). An end after it (a start delivered late) stays.
create function chat.record_call_start(p_room chat.room_name, p_started_at timestamptz)
returns void
language sql
set search_path = ''
as $$
  delete from chat.room_calls where room = p_room and ended_at <= p_started_at
$$;
comment on function chat.record_call_start is
  'Records that a room''s call started (again) at p_started_at: an earlier recorded end no longer counts.';

drop function chat.save_room_settings(chat.room_name, text, integer, boolean, text);

-- For the chat function: an owner sets a room's settings (credited to them in updated_by). A null
-- p_retention_kind leaves the room's retention as it is (a client that does not send one).
create function chat.save_room_settings(
  p_room chat.room_name,
  p_send text,
  p_slow_mode_seconds integer,
  p_private_messages boolean,
  p_retention_kind text,
  p_retention_days integer,
  p_retention_grace_minutes integer,
  p_actor text
) returns chat.room_settings
language plpgsql
set search_path = ''
as $$
declare
  saved chat.room_settings;
begin
  perform set_config('backchannel.actor', p_actor, true);
  insert into chat.room_settings as current (
    room, send, slow_mode_seconds, private_messages,
    retention_kind, retention_days, retention_grace_minutes
  )
  values (
    p_room, p_send, p_slow_mode_seconds, p_private_messages,
    coalesce(p_retention_kind, 'default'),
    case when p_retention_kind is null then null else p_retention_days end,
    case when p_retention_kind is null then null else p_retention_grace_minutes end
  )
  on conflict (room) do update
    set send = excluded.send,
        slow_mode_seconds = excluded.slow_mode_seconds,
        private_messages = excluded.private_messages,
        retention_kind = coalesce(p_retention_kind, current.retention_kind),
        retention_days = case
          when p_retention_kind is null then current.retention_days else p_retention_days end,
        retention_grace_minutes = case
          when p_retention_kind is null then current.retention_grace_minutes
          else p_retention_grace_minutes end
  returning * into saved;
  return saved;
end
$$;
comment on function chat.save_room_settings is
  'Sets a room''s chat settings for the chat function, credited to p_actor (the owner''s user id). Retention: p_retention_kind default, days (with p_retention_days) or call (with p_retention_grace_minutes); null keeps the room''s retention as it is. The table''s checks refuse values out of range.';

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
  -- Rooms whose owners chose a number of days keep to it (purge_by_room_retention), longer or
  -- shorter; rooms kept until the call ends are still never kept longer than this.
  with expired as (
    delete from chat.messages
    where created_at < now() - make_interval(days => retention_days)
      and not exists (
        select 1 from chat.room_settings as settings
        where settings.room = messages.room and settings.retention_kind = 'days'
      )
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
comment on function chat.purge_expired_messages is
  'Retention: deletes messages older than retention_days days for good (except in rooms whose retention is a number of days of their own) and queues their files in media_deletions; queues the files of uploads never attached to a message after a day; drops quota counters of windows long past; logs the purge. Schedule it with pg_cron.';

-- Retention per room (room_settings.retention_kind): rooms on 'days' are purged by their own
-- period, rooms on 'call' once the grace period after the call's end has passed and the call did
-- not resume (no message after the end). Files are queued as chat.purge_expired_messages does.
create function chat.purge_by_room_retention() returns integer
language plpgsql
set search_path = ''
as $$
declare
  by_days integer;
  by_call integer;
begin
  with expired as (
    delete from chat.messages
    using chat.room_settings as settings
    where settings.room = messages.room
      and settings.retention_kind = 'days'
      and messages.created_at < now() - make_interval(days => settings.retention_days)
    returning messages.attachments
  ), files as (
    insert into chat.media_deletions (path)
    select file ->> 'path' from expired, jsonb_array_elements(expired.attachments) as file
    on conflict do nothing
  )
  select count(*) into by_days from expired;

  with ended as (
    select calls.room, calls.ended_at
    from chat.room_calls as calls
    join chat.room_settings as settings on settings.room = calls.room
    where settings.retention_kind = 'call'
      and calls.ended_at + make_interval(mins => settings.retention_grace_minutes) <= now()
      -- A message after the end: the call resumed, and its chat is not over.
      and not exists (
        select 1 from chat.messages as later
        where later.room = calls.room and later.created_at > calls.ended_at
      )
  ), expired as (
    delete from chat.messages
    using ended
    where messages.room = ended.room and messages.created_at <= ended.ended_at
    returning messages.attachments
  ), files as (
    insert into chat.media_deletions (path)
    select file ->> 'path' from expired, jsonb_array_elements(expired.attachments) as file
    on conflict do nothing
  )
  select count(*) into by_call from expired;

  if by_days + by_call > 0 then
    insert into chat.moderation_log (action, actor, details)
    values ('purge_messages', chat.moderation_actor(),
            jsonb_build_object('room_retention', true, 'by_days', by_days, 'by_call', by_call,
                               'messages', by_days + by_call));
  end if;
  return by_days + by_call;
end
$$;
comment on function chat.purge_by_room_retention is
  'Retention per room: deletes for good the messages of rooms whose retention is days (older than retention_days) or call (sent before the call''s end, once retention_grace_minutes have passed and no message came after the end), queues their files in media_deletions and logs the purge. Rooms on default are left to purge_expired_messages. Run by every upkeep pass.';

call chat.lock_out_api_roles();
