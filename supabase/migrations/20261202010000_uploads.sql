-- Uploads: every file the chat function grants an upload for is registered here, with who was
-- granted it. A file can then be attached only by that person, to one message only; a deleted
-- message's files are no longer signed; files never attached are removed after a day.

create table public.uploads (
  path text primary key,
  room text not null,
  uploader_id text not null,
  created_at timestamptz not null default now(),
  message_id uuid references public.messages (id) on delete cascade,
  constraint uploads_path_in_room check (starts_with(path, room || '/')),
  constraint uploads_room_format check (room ~ '^[A-Za-z0-9_-]{1,128}$')
);
comment on table public.uploads is
  'Files the chat function granted an upload for (bucket chat-media), one row per file. A file can be attached only by its uploader, to one message; files never attached are removed by retention after a day. Written by the chat function and by the messages trigger; do not edit.';
comment on column public.uploads.path is
  'Object path in the chat-media bucket (<room>/<uuid>.<ext>), as in messages.attachments.';
comment on column public.uploads.room is 'The room the upload was granted in.';
comment on column public.uploads.uploader_id is
  'Who was granted the upload (the ud claim of their token, as in messages.sender_id): the only person who may attach it.';
comment on column public.uploads.created_at is 'When the upload was granted.';
comment on column public.uploads.message_id is
  'The message the file was sent with; null until it is sent. Once set, the file cannot be attached to another message. When that message is deleted, its files are no longer signed for anyone.';
alter table public.uploads enable row level security;

create index uploads_message_idx on public.uploads (message_id);
comment on index public.uploads_message_idx is
  'Serves finding a message''s files (and dropping them with the message).';
create index uploads_unsent_created_idx on public.uploads (created_at) where message_id is null;
comment on index public.uploads_unsent_created_idx is
  'Serves retention: uploads never attached to a message, oldest first.';

-- Files already in messages were uploaded by their senders: each belongs to the first message
-- that carries it (earlier versions let one file be attached again).
insert into public.uploads (path, room, uploader_id, created_at, message_id)
select distinct on (file ->> 'path')
  file ->> 'path', m.room, m.sender_id, m.created_at, m.id
from public.messages m, jsonb_array_elements(m.attachments) as file
where starts_with(file ->> 'path', m.room || '/')
order by file ->> 'path', m.seq
on conflict (path) do nothing;

-- Attaching a file claims its upload, where messages are stored, whichever path writes them. After
-- insert, so that an insert that does not happen (on conflict do nothing) claims nothing.
create function public.messages_claim_uploads() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  file_path text;
  upload public.uploads;
begin
  for file_path in select file ->> 'path' from jsonb_array_elements(new.attachments) as file loop
    -- Locked, so that of two messages claiming one file exactly one gets it.
    select * into upload from public.uploads where path = file_path for update;
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
    update public.uploads set message_id = new.id where path = file_path;
  end loop;
  return null;
end
$$;
comment on function public.messages_claim_uploads is
  'Claims the uploads of a new message''s files: refuses files not uploaded by its sender in its room (BCFNY) and files already sent with another message (BCFSN).';

create trigger messages_claim_uploads after insert on public.messages
  for each row when (jsonb_array_length(new.attachments) > 0)
  execute function public.messages_claim_uploads();

-- Retention, as before (messages older than retention_days go for good, their files are queued
-- for removal, the purge is logged), and the leftovers of other limits: uploads never attached
-- after a day, and quota counters long past.
create or replace function public.purge_expired_messages(retention_days integer) returns integer
language plpgsql
set search_path = ''
as $$
declare
  purged integer;
begin
  if retention_days is null or retention_days < 1 then
    raise exception 'retention_days must be at least 1, got %', retention_days;
  end if;
  -- Their upload rows go with them (uploads.message_id cascades).
  with expired as (
    delete from public.messages
    where created_at < now() - make_interval(days => retention_days)
    returning attachments
  ), files as (
    insert into public.media_deletions (path)
    select file ->> 'path' from expired, jsonb_array_elements(expired.attachments) as file
    on conflict do nothing
  )
  select count(*) into purged from expired;

  -- An upload URL is valid for 2 hours; a file still not sent a day after is abandoned.
  with abandoned as (
    delete from public.uploads
    where message_id is null and created_at < now() - interval '1 day'
    returning path
  )
  insert into public.media_deletions (path)
  select path from abandoned
  on conflict do nothing;

  -- Counters do not record their window's length: windows are at most a day long in practice,
  -- so a window that started two days ago ended more than a day ago. (A longer window's counter
  -- removed early only forgives its subject.)
  delete from public.action_quotas where window_start < now() - interval '2 days';

  insert into public.moderation_log (action, actor, details)
  values ('purge_messages', public.moderation_actor(),
          jsonb_build_object('retention_days', retention_days, 'messages', purged));
  return purged;
end
$$;
comment on function public.purge_expired_messages is
  'Retention: deletes messages older than retention_days days for good and queues their files in media_deletions; queues the files of uploads never attached to a message after a day; drops quota counters of windows long past; logs the purge. Schedule it with pg_cron.';

comment on table public.media_deletions is
  'Files waiting to be removed from Storage (bucket chat-media): those of purged messages, and uploads never sent within a day. The retention job empties it.';
comment on column public.media_deletions.queued_at is 'When its message was purged, or its unsent upload given up.';

-- Only the function's database user reads and writes uploads; never the public API roles.
do $$
begin
  if exists (select from pg_roles where rolname = 'anon') then
    revoke all on public.uploads from anon, authenticated;
  end if;
end
$$;
