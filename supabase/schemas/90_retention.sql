-- Retention: messages older than a number of days are removed for good, with their reactions,
-- reports and upload rows (on delete cascade), and their files are queued in media_deletions. The
-- same purge removes what other limits leave behind: uploads never attached after a day, and quota
-- counters long past. Files are removed from Storage through its API, not by SQL: the retention
-- command (`npm run retention`, ops/retention.ts) runs the purge and then empties the queue; pg_cron
-- can run the purge alone on a schedule.

-- Retention deletes by age alone; without this it reads the whole table.
create index messages_created_idx on chat.messages (created_at);
comment on index chat.messages_created_idx is
  'Serves retention: messages older than the retention period.';

create table chat.media_deletions (
  path text primary key,
  queued_at timestamptz not null default now()
);
comment on table chat.media_deletions is
  'Files waiting to be removed from Storage (bucket chat-media): those of purged messages, and uploads never sent within a day. The retention job empties it.';
comment on column chat.media_deletions.path is 'Object path in the chat-media bucket.';
comment on column chat.media_deletions.queued_at is
  'When its message was purged, or its unsent upload given up.';
alter table chat.media_deletions enable row level security;

create function chat.purge_expired_messages(retention_days integer) returns integer
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
comment on function chat.purge_expired_messages is
  'Retention: deletes messages older than retention_days days for good and queues their files in media_deletions; queues the files of uploads never attached to a message after a day; drops quota counters of windows long past; logs the purge. Schedule it with pg_cron.';
