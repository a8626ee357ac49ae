-- A message deleted for good queues its files for removal from Storage whoever deletes it: one
-- trigger instead of a copy of the same statement in each purge (three of them), and a message
-- deleted for good in Studio no longer leaves its files in Storage for ever.

-- A message deleted for good queues its files, whoever deletes it (a retention purge, or ops in
-- Studio): its upload rows go with it (uploads.message_id cascades), and only this queue still
-- names its files for the upkeep to remove from Storage.
create function chat.queue_files_of_deleted_messages() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  insert into chat.media_deletions (path)
  select file ->> 'path' from gone, jsonb_array_elements(gone.attachments) as file
  on conflict do nothing;
  return null;
end
$$;
comment on function chat.queue_files_of_deleted_messages is
  'Trigger (after delete on chat.messages, per statement): queues the files of the messages deleted for good in media_deletions.';

create trigger messages_queue_deleted_files after delete on chat.messages
  referencing old table as gone
  for each statement execute function chat.queue_files_of_deleted_messages();
comment on trigger messages_queue_deleted_files on chat.messages is
  'Queues the files of messages deleted for good (purges, Studio) for removal from Storage.';

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
  -- Their files are queued by messages_queue_deleted_files. Served by messages_created_idx.
  -- Rooms whose owners chose a number of days keep to it (purge_by_room_retention), longer or
  -- shorter; rooms kept until the call ends are still never kept longer than this.
  with expired as (
    delete from chat.messages
    where created_at < now() - make_interval(days => retention_days)
      and not exists (
        select 1 from chat.room_settings as settings
        where settings.room = messages.room and settings.retention_kind = 'days'
      )
    returning 1
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

create or replace function chat.purge_by_room_retention() returns integer
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
    returning 1
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
    returning 1
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
