-- Storing, editing and deleting a message: the functions the chat function calls, each under the
-- room's write lock and each answering with a typed outcome the chat function turns into its
-- response (functions/chat/postgres-message-store.ts). What must hold whoever writes (blocks,
-- files, replies, mentions) is checked by the triggers on chat.messages, in the files of each
-- feature.

-- Storing a message: idempotent by id (a retry of a stored message is answered as before, whatever
-- the settings say now), under the room's settings, rate-limited per sender and room. While the
-- room's messages need approval, a message for the room from anyone but an owner waits for one
-- (review pending); a private message does not (it reaches one person, not the room).
create function chat.persist_chat_message(
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

-- Editing: only one's own visible message, and only while one may send (the message's privacy
-- counts, as when it was sent).
create function chat.edit_chat_message(
  p_id uuid,
  p_room chat.room_name,
  p_sender_id text,
  p_body text,
  p_sender_is_owner boolean,
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
  if not found or not chat.message_visible_to(existing, p_sender_id) then
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
  outcome := chat.room_send_refusal(p_room, p_sender_is_owner, existing.recipient_id is not null);
  if outcome is not null then
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
  'Changes the text of one''s own visible message for the chat function, under the room lock. Refused, as sending would be, while the room''s settings do not let the sender send (p_sender_is_owner: they are a room owner). Returns the outcome (edited, unchanged, not_found, deleted, forbidden, blocked with block_reason, chat_off, owners_only, private_off, empty) and the message when edited or unchanged.';

-- Deleting: one's own message, or as a room owner anyone's, but not a private message one cannot
-- see.
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
  if not found or not chat.message_visible_to(existing, p_actor_id) then
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
