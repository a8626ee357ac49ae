-- Private messages (recipient_id, see 20261206040000_room_settings.sql): only their sender and
-- their recipient may read, reply to, react to, edit or delete them (or report them: see
-- 20261206055000_reports.sql). For everyone else a
-- private message does not exist: the functions below answer as they do for an unknown id, and
-- the chat function leaves it out of every read. The rules here hold whoever calls.

-- Whether `p_reader` may see `p_message`: a message for the room, or one they sent or received.
create function chat.message_visible_to(p_message chat.messages, p_reader text) returns boolean
language sql
immutable
set search_path = ''
as $$
  select p_message.recipient_id is null
      or p_message.sender_id = p_reader
      or p_message.recipient_id = p_reader
$$;
comment on function chat.message_visible_to is
  'Whether a person (their user id) may see a message: everyone sees messages for the room; a private one only its sender and recipient.';

-- A reply's parent must be one its sender can see; a reply to a private message stays private
-- between the same two people.
create or replace function chat.messages_require_reply_parent() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  parent chat.messages;
begin
  if new.reply_to is null then
    return new;
  end if;
  select * into parent from chat.messages where id = new.reply_to;
  -- A private message the sender cannot see is, for them, no message at all.
  if not found or not chat.message_visible_to(parent, new.sender_id) then
    -- SQLSTATE BCRPL: the chat function answers it with 400 invalid_reply; the detail says why.
    raise exception 'message % replies to %, which is not a message', new.id, new.reply_to
      using errcode = 'BCRPL', detail = 'unknown';
  end if;
  if parent.room <> new.room then
    raise exception 'message % in room % replies to % of another room', new.id, new.room, new.reply_to
      using errcode = 'BCRPL', detail = 'other_room';
  end if;
  if parent.recipient_id is not null and (
       new.recipient_id is null
       or new.recipient_id not in (parent.sender_id, parent.recipient_id)
       or new.recipient_id = new.sender_id
     ) then
    raise exception 'message % replies to private message % but is not private to the same person', new.id, new.reply_to
      using errcode = 'BCRPL', detail = 'private';
  end if;
  return new;
end
$$;
comment on function chat.messages_require_reply_parent is
  'Trigger: a reply''s parent (reply_to) must be a message of the same room that its sender can see, and a reply to a private message must be private to the other person of it. Raises SQLSTATE BCRPL with detail unknown, other_room or private otherwise.';

-- Editing: a private message the editor cannot see is not found, not forbidden.
create or replace function chat.edit_chat_message(
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

-- Deleting: room owners may delete anyone's message, but not a private one they cannot see.
create or replace function chat.delete_chat_message(
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

-- Reacting: only to a message the person can see.
create or replace function chat.toggle_chat_reaction(
  p_message_id uuid,
  p_room chat.room_name,
  p_user_id text,
  p_emoji text,
  p_on boolean,
  out outcome text,
  out block_reason text,
  out message chat.messages,
  out reactions jsonb
)
language plpgsql
set search_path = ''
as $$
declare
  existing chat.messages;
begin
  perform chat.lock_chat_room(p_room);
  select * into existing from chat.messages where id = p_message_id and room = p_room;
  if not found or existing.deleted_at is not null
     or not chat.message_visible_to(existing, p_user_id) then
    outcome := 'not_found';
    return;
  end if;
  if p_on then
    -- A blocked person may take their reactions back, not add any.
    block_reason := chat.sender_block_reason(p_user_id, p_room);
    if block_reason is not null then
      outcome := 'blocked';
      return;
    end if;
    -- The triggers check the limit (SQLSTATE BCRXN) and bump the message's revision.
    insert into chat.reactions (message_id, emoji, user_id)
    values (p_message_id, p_emoji, p_user_id)
    on conflict do nothing;
    outcome := case when found then 'added' else 'unchanged' end;
  else
    delete from chat.reactions
    where message_id = p_message_id and emoji = p_emoji and user_id = p_user_id;
    outcome := case when found then 'removed' else 'unchanged' end;
  end if;
  -- Read here, after the change: the statement that called this function cannot see it yet.
  select * into message from chat.messages where id = p_message_id;
  reactions := chat.message_reactions(p_message_id);
end
$$;

-- Studio: which of the latest messages are private, and to whom (a new last column).
create or replace view chat.latest_messages with (security_invoker = true) as
select id, room, sender_id, sender_name, body, jsonb_array_length(attachments) as files,
       created_at, edited_at, deleted_at, reply_to, recipient_id as private_to
from chat.messages
order by seq desc
limit 500;
comment on column chat.latest_messages.private_to is
  'For a private message: the user id of the one person it is for (only they and the sender see it). Empty: the whole room sees it.';

-- Nobody but the owner, as for everything in chat (see 20261202020000_chat_schema.sql).
revoke all on all tables in schema chat from public;
revoke all on all functions in schema chat from public;
do $$
declare
  api_role text;
begin
  for api_role in
    select rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role')
  loop
    execute format('revoke all on all tables in schema chat from %I', api_role);
    execute format('revoke all on all functions in schema chat from %I', api_role);
  end loop;
end
$$;
