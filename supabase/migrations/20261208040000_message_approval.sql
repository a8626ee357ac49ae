-- Messages that need approval (issue 22, item 4), for webinars: while a room's setting
-- messages_need_approval is on, a chat message for the room from anyone but an owner waits
-- (messages.review pending) and nobody but its sender sees it, by any route, until an owner
-- approves it (it then reaches everyone with its original time and seq) or rejects it (it is
-- deleted, and stays unseen). Owners read the queue (pending_messages) and review several at once
-- (review_messages); both are credited in moderation_log; Studio lists the queue
-- (pending_message_queue). save_room_settings takes the new setting; its earlier signature goes.
-- supabase/schemas 10_messages, 15_private_messages, 20_moderation, 40_room_settings,
-- 45_message_writes and 95_studio_views hold the same.

alter table chat.messages
  add column review text not null default 'approved',
  add column reviewed_at timestamptz,
  add column reviewed_by text,
  add constraint messages_review check (review in ('pending', 'approved')),
  add constraint messages_reviewed_together check ((reviewed_at is null) = (reviewed_by is null));
comment on column chat.messages.review is
  'approved: seen as usual. pending: sent while the room''s messages needed approval (room_settings.messages_need_approval) and not yet approved by an owner: only its sender sees it. A rejected message is deleted (deleted_at) and stays pending. Set it to approved here to approve one.';
comment on column chat.messages.reviewed_at is
  'When an owner approved or rejected the message; null if it never waited, or waits still.';
comment on column chat.messages.reviewed_by is
  'Who approved or rejected it: the owner''s user id, or the database user (Studio).';

-- Whether `p_reader` may see `p_message`: a message for the room, or one they sent or received;
-- and, while it waits for an owner's approval (review pending), only its sender.
create or replace function chat.message_visible_to(p_message chat.messages, p_reader text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select (p_message.recipient_id is null
          or p_message.sender_id = p_reader
          or p_message.recipient_id = p_reader)
     and (p_message.review = 'approved' or p_message.sender_id = p_reader)
$$;
comment on function chat.message_visible_to is
  'Whether a person (their user id) may see a message: everyone sees approved messages for the room; a private one only its sender and recipient; one waiting for approval (review pending) only its sender.';

-- A change to a message takes a new revision, under the room's lock, whoever makes it. A deleted
-- message loses its pin (60_pins.sql). An approval is a change too: the room's open clients catch
-- up on the approved message by its new revision (it keeps its seq and created_at).
create or replace function chat.messages_touch_revision() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.deleted_at is not null and old.deleted_at is null then
    new.pinned_at := null;
    new.pinned_by := null;
  end if;
  if new.pinned_at is not null and old.pinned_at is null and new.pinned_by is null then
    -- Pinned in Studio or SQL: credited to the database user.
    new.pinned_by := chat.moderation_actor();
  elsif new.pinned_at is null then
    new.pinned_by := null;
  end if;
  if new.review is distinct from old.review and new.reviewed_by is not distinct from old.reviewed_by then
    -- Approved in Studio or SQL: credited to the database user.
    new.reviewed_at := clock_timestamp();
    new.reviewed_by := chat.moderation_actor();
  end if;
  if new.body is distinct from old.body
     or new.attachments is distinct from old.attachments
     or new.deleted_at is distinct from old.deleted_at
     or new.pinned_at is distinct from old.pinned_at
     or new.review is distinct from old.review then
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
comment on function chat.messages_touch_revision is
  'Trigger: gives a message a new revision when its text, files, deletion, pin or review change (under the room lock), records who deleted, pinned or approved it outside the chat, and unpins a deleted message.';

alter table chat.moderation_log drop constraint moderation_log_action;
alter table chat.moderation_log add constraint moderation_log_action check (
  action in (
    'delete_message', 'restore_message', 'block_sender', 'unblock_sender', 'purge_messages',
    'resolve_report', 'approve_question', 'reject_question', 'dismiss_question',
    'restore_question', 'approve_message', 'reject_message'
  )
);
comment on table chat.moderation_log is
  'Audit trail of moderation: message deletions and restores (from the chat or Studio), blocks and unblocks, retention purges, resolved reports, owners'' reviews and dismissals of questions, and their approvals and rejections of messages that waited. Written by triggers and functions; do not edit.';
comment on column chat.moderation_log.action is
  'delete_message, restore_message, block_sender, unblock_sender, purge_messages, resolve_report, approve_question, reject_question, dismiss_question, restore_question (a dismissal undone), approve_message or reject_message (a message that waited for approval).';
comment on column chat.moderation_log.message_id is
  'The message concerned, for deletions, restores, approvals and rejections.';

-- Deleting a message (deleted_at) and restoring it are logged, whoever does it. A message deleted
-- while it waits for approval by someone other than its sender was rejected (review_messages).
create or replace function chat.messages_log_deletion() returns trigger
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

alter table chat.room_settings add column messages_need_approval boolean not null default false;
comment on column chat.room_settings.messages_need_approval is
  'Whether a new chat message for the room (from anyone but an owner; private messages aside) waits for an owner''s approval before anyone but its sender sees it (messages.review).';

drop function chat.save_room_settings(
  chat.room_name, text, integer, boolean, text, integer, integer, text, boolean, boolean, text
);

-- For the chat function: an owner sets a room's settings (credited to them in updated_by). A null
-- p_retention_kind leaves the room's retention as it is, and a null Q&A rule (p_questions,
-- p_anonymous_questions, p_questions_need_approval) leaves that rule as it is, and so does a null
-- p_messages_need_approval (clients that do not send them).
create function chat.save_room_settings(
  p_room chat.room_name,
  p_send text,
  p_slow_mode_seconds integer,
  p_private_messages boolean,
  p_retention_kind text,
  p_retention_days integer,
  p_retention_grace_minutes integer,
  p_questions text,
  p_anonymous_questions boolean,
  p_questions_need_approval boolean,
  p_messages_need_approval boolean,
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
    retention_kind, retention_days, retention_grace_minutes,
    questions, anonymous_questions, questions_need_approval, messages_need_approval
  )
  values (
    p_room, p_send, p_slow_mode_seconds, p_private_messages,
    coalesce(p_retention_kind, 'default'),
    case when p_retention_kind is null then null else p_retention_days end,
    case when p_retention_kind is null then null else p_retention_grace_minutes end,
    coalesce(p_questions, 'chat'),
    coalesce(p_anonymous_questions, false),
    coalesce(p_questions_need_approval, false),
    coalesce(p_messages_need_approval, false)
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
          else p_retention_grace_minutes end,
        questions = coalesce(p_questions, current.questions),
        anonymous_questions = coalesce(p_anonymous_questions, current.anonymous_questions),
        questions_need_approval = coalesce(p_questions_need_approval, current.questions_need_approval),
        messages_need_approval = coalesce(p_messages_need_approval, current.messages_need_approval)
  returning * into saved;
  return saved;
end
$$;
comment on function chat.save_room_settings is
  'Sets a room''s chat settings for the chat function, credited to p_actor (the owner''s user id). Retention: p_retention_kind default, days (with p_retention_days) or call (with p_retention_grace_minutes); null keeps the room''s retention as it is. Q&A: p_questions (chat, everyone, owners, nobody), p_anonymous_questions, p_questions_need_approval; each null keeps the room''s as it is. p_messages_need_approval: whether non-owners'' messages wait for an owner''s approval (null keeps it). The table''s checks refuse values out of range.';

-- Storing a message: idempotent by id (a retry of a stored message is answered as before, whatever
-- the settings say now), under the room's settings, rate-limited per sender and room. While the
-- room's messages need approval, a message for the room from anyone but an owner waits for one
-- (review pending); a private message does not (it reaches one person, not the room).
create or replace function chat.persist_chat_message(
  p_id uuid,
  p_room chat.room_name,
  p_sender_id text,
  p_sender_name text,
  p_body text,
  p_attachments jsonb,
  p_rate_limit integer,
  p_rate_window interval,
  p_reply_to uuid,
  p_mentions jsonb,
  p_recipient_id text,
  p_recipient_name text,
  p_sender_is_owner boolean,
  out outcome text,
  out retry_after_ms integer,
  out message chat.messages
)
language plpgsql
set search_path = ''
as $$
declare
  existing chat.messages;
  settings chat.room_settings;
  recent_count integer;
  oldest_recent timestamptz;
  last_sent timestamptz;
begin
  -- One writer per room at a time, until commit: seq then commits in order within a room, so a
  -- reader paging with after=<seq> can never skip a message that commits late.
  perform chat.lock_chat_room(p_room);

  select * into existing from chat.messages where id = p_id;
  if found then
    if existing.room <> p_room or existing.sender_id <> p_sender_id
       or existing.body <> p_body or existing.attachments <> p_attachments
       or existing.reply_to is distinct from p_reply_to
       or existing.mentions <> p_mentions
       or existing.recipient_id is distinct from p_recipient_id then
      outcome := 'conflict';
    elsif existing.deleted_at is not null then
      outcome := 'deleted';
    else
      outcome := 'duplicate';
      message := existing;
    end if;
    return;
  end if;

  select * into settings from chat.room_settings where room = p_room;
  if settings.send = 'nobody' then
    outcome := 'chat_off';
    return;
  end if;
  if settings.send = 'owners' and not p_sender_is_owner then
    outcome := 'owners_only';
    return;
  end if;
  if p_recipient_id is not null and settings.private_messages is false then
    outcome := 'private_off';
    return;
  end if;
  if settings.slow_mode_seconds > 0 and not p_sender_is_owner then
    select max(created_at) into last_sent
    from chat.messages
    where room = p_room and sender_id = p_sender_id
      and created_at > clock_timestamp() - make_interval(secs => settings.slow_mode_seconds);
    if last_sent is not null then
      outcome := 'slow_mode';
      retry_after_ms := ceil(extract(epoch from
        last_sent + make_interval(secs => settings.slow_mode_seconds) - clock_timestamp()) * 1000);
      return;
    end if;
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

  -- The parent is checked by the trigger messages_require_reply_parent.
  insert into chat.messages
    (id, room, sender_id, sender_name, body, attachments, reply_to, mentions, recipient_id,
     recipient_name, created_at, review)
  values
    (p_id, p_room, p_sender_id, p_sender_name, p_body, p_attachments, p_reply_to, p_mentions,
     p_recipient_id, p_recipient_name, clock_timestamp(),
     case when settings.messages_need_approval and not p_sender_is_owner and p_recipient_id is null
       then 'pending' else 'approved' end)
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
  'Stores one chat message for the chat function: idempotent by id (the same content, parent, mentions and recipient return the stored row, anything else is a conflict), under the room''s settings (chat_off, owners_only, private_off, slow_mode with retry_after_ms; owners are exempt from owners_only and slow mode), rate-limited per sender and room, and serialized per room so seq commits in order. p_recipient_id: the one person a private message is for, or null (p_recipient_name: their name as the sender saw it). While the room''s messages need approval, a message for the room from a non-owner is stored waiting (review pending). Returns the outcome (created, duplicate, conflict, deleted, chat_off, owners_only, private_off, slow_mode, rate_limited), retry_after_ms when told to wait, and the stored message when created or duplicate.';

-- Messages that need approval (room_settings.messages_need_approval): a waiting message (review
-- pending) is seen by its sender only (message_visible_to); owners read the queue and approve or
-- reject, for the chat function, under the room's write lock.

-- Waiting messages, the only index that finds them: the room's queue, and whether a room has any
-- (a reader's own waiting messages join their newest page, as private ones do). A rejected
-- message is deleted, so it leaves the index.
create index messages_room_pending on chat.messages (room, seq)
  where review = 'pending' and deleted_at is null;
comment on index chat.messages_room_pending is
  'A room''s messages waiting for an owner''s approval, oldest first: the owners'' queue, and whether a room has any.';

-- For the chat function: a room's queue, oldest first, bounded (an owner reviews the first ones,
-- then reads it again).
create function chat.pending_messages(p_room chat.room_name)
returns setof chat.messages
language sql
stable
set search_path = ''
as $$
  select * from chat.messages
  where room = p_room and review = 'pending' and deleted_at is null
  order by seq
  limit 200
$$;
comment on function chat.pending_messages is
  'The messages of a room waiting for an owner''s approval (review pending, not rejected or withdrawn), oldest first, at most 200: the owners'' queue (GET /rooms/:room/messages/pending).';

-- For the chat function: an owner approves (p_approve) or rejects waiting messages of the room, in
-- the order given. An approved message keeps its seq and created_at and takes a new revision
-- (messages_touch_revision), so open clients catch up on it; a rejected one is deleted and stays
-- pending, so nobody but its sender ever sees it, not even as a deletion. Both are credited to
-- p_actor_id in moderation_log (approve_message, reject_message).
create function chat.review_messages(
  p_room chat.room_name,
  p_ids uuid[],
  p_actor_id text,
  p_approve boolean
)
returns table (id uuid, outcome text, message chat.messages)
language plpgsql
set search_path = ''
as $$
declare
  wanted uuid;
  existing chat.messages;
begin
  perform chat.lock_chat_room(p_room);
  foreach wanted in array p_ids loop
    id := wanted;
    message := null;
    select * into existing from chat.messages as m where m.id = wanted and m.room = p_room;
    if not found or (existing.review = 'approved' and existing.recipient_id is not null) then
      -- Another room's, or a private message, which an owner does not see.
      outcome := 'not_found';
    elsif existing.review = 'approved' then
      outcome := 'unchanged';
      if existing.deleted_at is null then
        message := existing;
      end if;
    elsif existing.deleted_at is not null then
      -- Rejected before, or withdrawn by its sender.
      outcome := 'unchanged';
    elsif p_approve then
      update chat.messages as m
      set review = 'approved', reviewed_at = clock_timestamp(), reviewed_by = p_actor_id
      where m.id = wanted
      returning * into message;
      outcome := 'approved';
    else
      update chat.messages as m
      set deleted_at = clock_timestamp(), deleted_by = p_actor_id,
          reviewed_at = clock_timestamp(), reviewed_by = p_actor_id
      where m.id = wanted;
      outcome := 'rejected';
    end if;
    return next;
  end loop;
end
$$;
comment on function chat.review_messages is
  'An owner (p_actor_id) approves (p_approve true) or rejects waiting messages of a room, in the order of p_ids, under the room lock. One row per id: approved (with the message: it keeps its seq and created_at and takes a new revision), rejected (deleted; it stays pending, so nobody but its sender sees it), unchanged (approved or rejected before, or withdrawn; with the message when it is approved and not deleted) or not_found (not a message of the room, or a private one).';

create view chat.pending_message_queue with (security_invoker = true) as
select room, id, sender_id, sender_name, body, jsonb_array_length(attachments) as files,
       reply_to, created_at
from chat.messages
where review = 'pending' and deleted_at is null
order by room, seq;
comment on view chat.pending_message_queue is
  'Messages waiting for an owner''s approval (rooms whose settings have messages_need_approval), per room, oldest first. Only their senders see them until an owner approves them from the chat. To approve one here, set review to approved in the messages table; to reject it, set deleted_at.';
comment on column chat.pending_message_queue.room is 'The room it was sent in.';
comment on column chat.pending_message_queue.id is 'Message id (as in messages).';
comment on column chat.pending_message_queue.sender_id is
  'Sender''s user id (block them in blocked_senders).';
comment on column chat.pending_message_queue.sender_name is 'Sender''s display name.';
comment on column chat.pending_message_queue.body is 'The text.';
comment on column chat.pending_message_queue.files is 'How many files are attached.';
comment on column chat.pending_message_queue.reply_to is
  'The message it replies to, if any (as in messages).';
comment on column chat.pending_message_queue.created_at is
  'When it was sent: it keeps this time once approved.';

call chat.lock_out_api_roles();
