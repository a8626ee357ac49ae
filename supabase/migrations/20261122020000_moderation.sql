-- Moderation, editing and retention: edits and deletions that reach open clients, blocked
-- senders, an audit trail, views for Studio, and a retention purge. Plain PostgreSQL.

-- Every change to a message (insert, edit, delete, undelete) takes a new revision, so a client
-- that reconnects asks for "everything changed since revision N" and misses nothing.
create sequence public.messages_revision_seq;
comment on sequence public.messages_revision_seq is
  'Revisions of messages: every insert, edit and deletion takes the next value.';

alter table public.messages
  add column edited_at timestamptz,
  add column deleted_by text,
  add column revision bigint not null default nextval('public.messages_revision_seq');

comment on column public.messages.edited_at is
  'When the sender last edited the text; null if never edited.';
comment on column public.messages.deleted_by is
  'Who deleted the message: a user id (the sender, or a room owner) from the chat, or the database user for deletions made in Studio.';
comment on column public.messages.revision is
  'Changes whenever the message is written, edited or (un)deleted: open clients catch up on changes by revision.';
comment on column public.messages.deleted_at is
  'Set to hide the message (moderation): in Studio, set it to now() to delete a message. Hidden messages leave history and open clients at their next sync.';

create index messages_room_revision_idx on public.messages (room, revision);
comment on index public.messages_room_revision_idx is
  'Serves catching up: the changes of a room after a revision.';

-- Who a change is credited to: what the caller declared (set_config('backchannel.actor', ...)),
-- else the database user (the one signed in to Studio, or pg_cron's).
create function public.moderation_actor() returns text
language sql
stable
set search_path = ''
as $$
  select coalesce(nullif(current_setting('backchannel.actor', true), ''), current_user)
$$;
comment on function public.moderation_actor is
  'Who a moderation change is credited to: the declared backchannel.actor setting, else the database user.';

create function public.messages_touch_revision() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.body is distinct from old.body
     or new.attachments is distinct from old.attachments
     or new.deleted_at is distinct from old.deleted_at then
    -- Changes made in Studio queue behind the room's writes like the chat's own, so revisions
    -- commit in order within a room and no client catching up can skip one.
    perform public.lock_chat_room(new.room);
    new.revision := nextval('public.messages_revision_seq');
    if new.deleted_at is null then
      new.deleted_by := null;
    elsif old.deleted_at is null and new.deleted_by is not distinct from old.deleted_by then
      -- Deleted outside the chat (Studio, SQL): remember which database user did it.
      new.deleted_by := public.moderation_actor();
    end if;
  end if;
  return new;
end
$$;
comment on function public.messages_touch_revision is
  'Gives a changed message a new revision (and records who deleted it), so open clients learn about the change.';

create trigger messages_touch_revision before update on public.messages
  for each row execute function public.messages_touch_revision();

-- The audit trail: who deleted or blocked what, when.
create table public.moderation_log (
  id bigint generated always as identity primary key,
  action text not null,
  room text,
  message_id uuid,
  sender_id text,
  actor text not null,
  reason text,
  details jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  constraint moderation_log_action check (
    action in ('delete_message', 'restore_message', 'block_sender', 'unblock_sender', 'purge_messages')
  )
);
comment on table public.moderation_log is
  'Audit trail of moderation: message deletions and restores (from the chat or Studio), blocks and unblocks, retention purges. Written by triggers and functions; do not edit.';
comment on column public.moderation_log.id is 'Order of the entries.';
comment on column public.moderation_log.action is
  'delete_message, restore_message, block_sender, unblock_sender or purge_messages.';
comment on column public.moderation_log.room is 'The room concerned; null for blocks that apply everywhere and for purges.';
comment on column public.moderation_log.message_id is 'The message concerned, for deletions and restores.';
comment on column public.moderation_log.sender_id is 'Whose message or whose block it is.';
comment on column public.moderation_log.actor is
  'Who did it: a chat user id (sender or room owner), or the database user (Studio, SQL, pg_cron).';
comment on column public.moderation_log.reason is 'Why, when given (blocks).';
comment on column public.moderation_log.details is 'More about the action, e.g. how many messages a purge removed.';
comment on column public.moderation_log.created_at is 'When it happened.';
create index moderation_log_created_idx on public.moderation_log (created_at desc);
alter table public.moderation_log enable row level security;

create function public.messages_log_deletion() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.deleted_at is not null and old.deleted_at is null then
    insert into public.moderation_log (action, room, message_id, sender_id, actor)
    values ('delete_message', new.room, new.id, new.sender_id, new.deleted_by);
  elsif new.deleted_at is null and old.deleted_at is not null then
    insert into public.moderation_log (action, room, message_id, sender_id, actor)
    values ('restore_message', new.room, new.id, new.sender_id,
            public.moderation_actor());
  end if;
  return null;
end
$$;
comment on function public.messages_log_deletion is 'Writes message deletions and restores to moderation_log.';

create trigger messages_log_deletion after update of deleted_at on public.messages
  for each row execute function public.messages_log_deletion();

-- Blocked senders: their writes are refused.
create table public.blocked_senders (
  id bigint generated always as identity primary key,
  sender_id text not null,
  room text,
  reason text not null default '',
  blocked_by text not null default current_user,
  created_at timestamptz not null default now(),
  constraint blocked_senders_room_format check (room is null or room ~ '^[A-Za-z0-9_-]{1,128}$'),
  constraint blocked_senders_once unique nulls not distinct (sender_id, room)
);
comment on table public.blocked_senders is
  'Senders whose messages are refused (403), in one room or everywhere. To block someone, insert their sender_id (see messages.sender_id) with a room, or with room empty (null) for every room; delete the row to unblock.';
comment on column public.blocked_senders.id is 'Order of the blocks.';
comment on column public.blocked_senders.sender_id is 'The blocked user id (the ud claim of their tokens, as in messages.sender_id).';
comment on column public.blocked_senders.room is 'The room they are blocked in; null blocks them in every room.';
comment on column public.blocked_senders.reason is 'Why, in words the blocked person may see.';
comment on column public.blocked_senders.blocked_by is 'Who blocked them (defaults to the database user, e.g. the one signed in to Studio).';
comment on column public.blocked_senders.created_at is 'When they were blocked.';
alter table public.blocked_senders enable row level security;

create function public.blocked_senders_log() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' then
    insert into public.moderation_log (action, room, sender_id, actor, reason)
    values ('block_sender', new.room, new.sender_id, new.blocked_by, new.reason);
    return new;
  end if;
  insert into public.moderation_log (action, room, sender_id, actor, reason)
  values ('unblock_sender', old.room, old.sender_id,
          public.moderation_actor(), old.reason);
  return old;
end
$$;
comment on function public.blocked_senders_log is 'Writes blocks and unblocks to moderation_log.';

create trigger blocked_senders_log after insert or delete on public.blocked_senders
  for each row execute function public.blocked_senders_log();

-- Blocked senders' messages are refused where they are stored, whichever path writes them.
create function public.sender_block_reason(p_sender_id text, p_room text) returns text
language sql
stable
set search_path = ''
as $$
  select reason from public.blocked_senders
  where sender_id = p_sender_id and (room is null or room = p_room)
  order by room nulls first
  limit 1
$$;
comment on function public.sender_block_reason is
  'The reason a sender is blocked in a room (a block for that room, or everywhere), or null when they are not.';

create function public.messages_refuse_blocked() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  reason text := public.sender_block_reason(new.sender_id, new.room);
begin
  if reason is not null then
    -- SQLSTATE BCBLK: the chat function answers it with 403 sender_blocked and the reason.
    raise exception 'sender % is blocked in room %', new.sender_id, new.room
      using errcode = 'BCBLK', detail = reason;
  end if;
  return new;
end
$$;
comment on function public.messages_refuse_blocked is
  'Refuses new messages from blocked senders (see blocked_senders).';

create trigger messages_refuse_blocked before insert on public.messages
  for each row execute function public.messages_refuse_blocked();

-- Edits and deletions from the chat: the rules live here, next to the data.
create function public.edit_chat_message(
  p_id uuid,
  p_room text,
  p_sender_id text,
  p_body text
) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  existing public.messages;
  block_reason text;
  stored public.messages;
begin
  -- Serialized with the room's writes, so revisions commit in order within a room.
  perform public.lock_chat_room(p_room);
  select * into existing from public.messages where id = p_id and room = p_room;
  if not found then
    return jsonb_build_object('outcome', 'not_found');
  end if;
  if existing.deleted_at is not null then
    return jsonb_build_object('outcome', 'deleted');
  end if;
  if existing.sender_id <> p_sender_id then
    return jsonb_build_object('outcome', 'forbidden');
  end if;
  block_reason := public.sender_block_reason(p_sender_id, p_room);
  if block_reason is not null then
    return jsonb_build_object('outcome', 'blocked', 'reason', block_reason);
  end if;
  if p_body = '' and jsonb_array_length(existing.attachments) = 0 then
    return jsonb_build_object('outcome', 'empty');
  end if;
  if existing.body = p_body then
    return jsonb_build_object('outcome', 'unchanged', 'message', to_jsonb(existing));
  end if;
  update public.messages set body = p_body, edited_at = clock_timestamp()
  where id = p_id
  returning * into stored;
  return jsonb_build_object('outcome', 'edited', 'message', to_jsonb(stored));
end
$$;
comment on function public.edit_chat_message is
  'Edits a message''s text for the chat function: only its sender, never a deleted message, idempotent for the same text.';

create function public.delete_chat_message(
  p_id uuid,
  p_room text,
  p_actor_id text,
  p_actor_is_owner boolean
) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  existing public.messages;
begin
  perform public.lock_chat_room(p_room);
  select * into existing from public.messages where id = p_id and room = p_room;
  if not found then
    return jsonb_build_object('outcome', 'not_found');
  end if;
  if existing.sender_id <> p_actor_id and not p_actor_is_owner then
    return jsonb_build_object('outcome', 'forbidden');
  end if;
  if existing.deleted_at is not null then
    return jsonb_build_object('outcome', 'deleted');
  end if;
  update public.messages set deleted_at = clock_timestamp(), deleted_by = p_actor_id
  where id = p_id;
  return jsonb_build_object('outcome', 'deleted');
end
$$;
comment on function public.delete_chat_message is
  'Deletes (hides) a message for the chat function: its sender or a room owner; idempotent.';

-- Retention: messages older than a number of days are removed for good; their files are queued
-- for removal from Storage (Storage objects are removed through its API, not by SQL).
create table public.media_deletions (
  path text primary key,
  queued_at timestamptz not null default now()
);
comment on table public.media_deletions is
  'Files of purged messages waiting to be removed from Storage (bucket chat-media). The retention job empties it.';
comment on column public.media_deletions.path is 'Object path in the chat-media bucket.';
comment on column public.media_deletions.queued_at is 'When its message was purged.';
alter table public.media_deletions enable row level security;

create function public.purge_expired_messages(retention_days integer) returns integer
language plpgsql
set search_path = ''
as $$
declare
  purged integer;
begin
  if retention_days is null or retention_days < 1 then
    raise exception 'retention_days must be at least 1, got %', retention_days;
  end if;
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
  insert into public.moderation_log (action, actor, details)
  values ('purge_messages', public.moderation_actor(),
          jsonb_build_object('retention_days', retention_days, 'messages', purged));
  return purged;
end
$$;
comment on function public.purge_expired_messages is
  'Retention: deletes messages older than retention_days days for good, queues their files in media_deletions, logs the purge. Schedule it with pg_cron.';

-- Views for Studio.
create view public.room_activity with (security_invoker = true) as
select
  room,
  count(*) filter (where deleted_at is null) as messages,
  count(*) filter (where deleted_at is not null) as deleted_messages,
  count(distinct sender_id) as senders,
  min(created_at) as first_message_at,
  max(created_at) as last_message_at
from public.messages
group by room;
comment on view public.room_activity is
  'Activity per room: visible and deleted messages, distinct senders, first and last message. Newest rooms: sort by last_message_at.';
comment on column public.room_activity.room is 'The room.';
comment on column public.room_activity.messages is 'Messages visible in the room.';
comment on column public.room_activity.deleted_messages is 'Messages deleted (hidden) in the room.';
comment on column public.room_activity.senders is 'Distinct people who wrote in the room.';
comment on column public.room_activity.first_message_at is 'When the first message was sent.';
comment on column public.room_activity.last_message_at is 'When the latest message was sent.';

create view public.latest_messages with (security_invoker = true) as
select id, room, sender_id, sender_name, body, jsonb_array_length(attachments) as files,
       created_at, edited_at, deleted_at
from public.messages
order by seq desc
limit 500;
comment on view public.latest_messages is
  'The 500 newest messages across all rooms, deleted ones included (see deleted_at). To delete one, set deleted_at in the messages table.';
comment on column public.latest_messages.id is 'Message id (as in messages).';
comment on column public.latest_messages.room is 'The room it was sent in.';
comment on column public.latest_messages.sender_id is 'Sender''s user id (block them in blocked_senders).';
comment on column public.latest_messages.sender_name is 'Sender''s display name.';
comment on column public.latest_messages.body is 'The text.';
comment on column public.latest_messages.files is 'How many files are attached.';
comment on column public.latest_messages.created_at is 'When it was sent.';
comment on column public.latest_messages.edited_at is 'When it was last edited, if ever.';
comment on column public.latest_messages.deleted_at is 'When it was deleted, if it was.';

-- Only the function's database user calls these; never the public API roles.
revoke all on function public.edit_chat_message, public.delete_chat_message,
  public.purge_expired_messages, public.sender_block_reason from public;
do $$
begin
  if exists (select from pg_roles where rolname = 'anon') then
    revoke all on function public.edit_chat_message, public.delete_chat_message,
      public.purge_expired_messages, public.sender_block_reason from anon, authenticated;
    revoke all on public.room_activity, public.latest_messages, public.moderation_log,
      public.blocked_senders, public.media_deletions from anon, authenticated;
  end if;
end
$$;
