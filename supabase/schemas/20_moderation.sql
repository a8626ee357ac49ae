-- Moderation: an audit trail of who deleted, restored, blocked or purged what, and blocked
-- senders, whose writes are refused wherever they are stored. Ops work in Studio: set
-- messages.deleted_at to delete a message, insert into blocked_senders to block someone. Reports
-- (70_reports.sql) resolve through the same two actions.

-- The audit trail: written by triggers and functions, never edited.
create table chat.moderation_log (
  id bigint generated always as identity primary key,
  action text not null,
  room chat.room_name,
  message_id uuid,
  sender_id text,
  actor text not null,
  reason text,
  details jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  constraint moderation_log_action check (
    action in (
      'delete_message', 'restore_message', 'block_sender', 'unblock_sender', 'purge_messages',
      'resolve_report', 'approve_question', 'reject_question', 'dismiss_question',
      'restore_question', 'approve_message', 'reject_message'
    )
  )
);
comment on table chat.moderation_log is
  'Audit trail of moderation: message deletions and restores (from the chat or Studio), blocks and unblocks, retention purges, resolved reports, owners'' reviews and dismissals of questions, and their approvals and rejections of messages that waited. Written by triggers and functions; do not edit.';
comment on column chat.moderation_log.id is 'Order of the entries.';
comment on column chat.moderation_log.action is
  'delete_message, restore_message, block_sender, unblock_sender, purge_messages, resolve_report, approve_question, reject_question, dismiss_question, restore_question (a dismissal undone), approve_message or reject_message (a message that waited for approval).';
comment on column chat.moderation_log.room is
  'The room concerned; null for blocks that apply everywhere and for purges.';
comment on column chat.moderation_log.message_id is
  'The message concerned, for deletions, restores, approvals and rejections.';
comment on column chat.moderation_log.sender_id is
  'Whose message, block or question it is (for a question: who asked it, anonymous or not).';
comment on column chat.moderation_log.actor is
  'Who did it: a chat user id (sender or room owner), or the database user (Studio, SQL, pg_cron).';
comment on column chat.moderation_log.reason is 'Why, when given (blocks).';
comment on column chat.moderation_log.details is
  'More about the action, e.g. how many messages a purge removed, or which question (question_id).';
comment on column chat.moderation_log.created_at is 'When it happened.';
create index moderation_log_created_idx on chat.moderation_log (created_at desc);
comment on index chat.moderation_log_created_idx is 'The audit trail, newest first.';
alter table chat.moderation_log enable row level security;

-- Deleting a message (deleted_at) and restoring it are logged, whoever does it. A message deleted
-- while it waits for approval by someone other than its sender was rejected (review_messages).
create function chat.messages_log_deletion() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.deleted_at is not null and old.deleted_at is null then
    insert into chat.moderation_log (action, room, message_id, sender_id, actor)
    values (
      case when new.review = 'pending' and new.deleted_by is distinct from new.sender_id
        then 'reject_message' else 'delete_message' end,
      new.room, new.id, new.sender_id, new.deleted_by
    );
  elsif new.deleted_at is null and old.deleted_at is not null then
    insert into chat.moderation_log (action, room, message_id, sender_id, actor)
    values ('restore_message', new.room, new.id, new.sender_id, chat.moderation_actor());
  end if;
  return null;
end
$$;
comment on function chat.messages_log_deletion is
  'Writes message deletions (reject_message for a waiting message deleted by someone else than its sender) and restores to moderation_log.';

create trigger messages_log_deletion after update of deleted_at on chat.messages
  for each row execute function chat.messages_log_deletion();

-- Approving a waiting message is logged, whoever does it (the chat or Studio).
create function chat.messages_log_approval() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.review = 'approved' and old.review = 'pending' then
    insert into chat.moderation_log (action, room, message_id, sender_id, actor)
    values ('approve_message', new.room, new.id, new.sender_id, new.reviewed_by);
  end if;
  return null;
end
$$;
comment on function chat.messages_log_approval is
  'Writes approvals of messages that waited for an owner (approve_message) to moderation_log.';

create trigger messages_log_approval after update of review on chat.messages
  for each row execute function chat.messages_log_approval();

-- Blocked senders: in one room, or everywhere (room null).
create table chat.blocked_senders (
  id bigint generated always as identity primary key,
  sender_id text not null,
  room chat.room_name,
  reason text not null default '',
  blocked_by text not null default current_user,
  created_at timestamptz not null default now(),
  constraint blocked_senders_once unique nulls not distinct (sender_id, room)
);
comment on table chat.blocked_senders is
  'Senders whose messages are refused (403), in one room or everywhere. To block someone, insert their sender_id (see messages.sender_id) with a room, or with room empty (null) for every room; delete the row to unblock.';
comment on column chat.blocked_senders.id is 'Order of the blocks.';
comment on column chat.blocked_senders.sender_id is
  'The blocked user id (the ud claim of their tokens, as in messages.sender_id).';
comment on column chat.blocked_senders.room is
  'The room they are blocked in; null blocks them in every room.';
comment on column chat.blocked_senders.reason is 'Why, in words the blocked person may see.';
comment on column chat.blocked_senders.blocked_by is
  'Who blocked them (defaults to the database user, e.g. the one signed in to Studio).';
comment on column chat.blocked_senders.created_at is 'When they were blocked.';
alter table chat.blocked_senders enable row level security;

create function chat.blocked_senders_log() returns trigger
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
comment on function chat.blocked_senders_log is 'Writes blocks and unblocks to moderation_log.';

create trigger blocked_senders_log after insert or delete on chat.blocked_senders
  for each row execute function chat.blocked_senders_log();

-- Blocked senders' messages are refused where they are stored, whichever path writes them; their
-- edits and reactions are refused by the functions that make them.
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

create function chat.messages_refuse_blocked() returns trigger
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
comment on function chat.messages_refuse_blocked is
  'Refuses new messages from blocked senders (see blocked_senders).';

create trigger messages_refuse_blocked before insert on chat.messages
  for each row execute function chat.messages_refuse_blocked();
