-- Two gaps of the second hardening pass (issue 19):
--
-- 1. Room settings hold for edits and reactions too. While a person may not send (chat off; owners
--    only and they are not an owner; a private message while private messages are off), they may
--    not edit a message or add a reaction either: otherwise they keep publishing by editing an old
--    message. Taking something away stays allowed: deleting one's message, removing one's
--    reaction. Slow mode does not apply to edits or reactions (the edit and reaction quotas do).
--
-- 2. Revisions a reader sees follow only what that reader may see. The chat function now reads a
--    room's revision as the newest revision of the messages for everyone plus the reader's own
--    private ones (the two indexes below make those two exact probes), so a private message, an
--    edit, a reaction or a reply between two people moves nothing a third person reads.

-- Why someone may not write into a room now, by its settings: the same rule as sending a message
-- (persist_chat_message, and sendRefusal in the chat's protocol), slow mode aside.
create function chat.room_send_refusal(
  p_room chat.room_name,
  p_is_owner boolean,
  p_private boolean
) returns text
language sql
stable
set search_path = ''
as $$
  select case
    when settings.send = 'nobody' then 'chat_off'
    when settings.send = 'owners' and not p_is_owner then 'owners_only'
    when p_private and settings.private_messages is false then 'private_off'
  end
  from (select) as always
  left join chat.room_settings as settings on settings.room = p_room
$$;
comment on function chat.room_send_refusal is
  'Why a person may not write into a room now under its settings: chat_off, owners_only (p_is_owner false), private_off (for a private message, p_private), or null when they may. Slow mode aside. Used by edits and reactions; persist_chat_message applies the same rule to new messages.';

-- Editing: also refused while the editor may not send (the message's privacy counts, as when sent).
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
comment on function chat.edit_chat_message(uuid, chat.room_name, text, text, boolean) is
  'Changes the text of one''s own visible message for the chat function, under the room lock. Refused, as sending would be, while the room''s settings do not let the sender send (p_sender_is_owner: they are a room owner). Returns the outcome (edited, unchanged, not_found, deleted, forbidden, blocked with block_reason, chat_off, owners_only, private_off, empty) and the message when edited or unchanged.';

-- The signature without the owner flag goes: nothing has been deployed that calls it, and left in
-- place it would edit while the settings refuse it.
drop function chat.edit_chat_message(uuid, chat.room_name, text, text);

-- Reacting: adding a reaction is refused while the person may not send; taking one back is not.
create function chat.toggle_chat_reaction(
  p_message_id uuid,
  p_room chat.room_name,
  p_user_id text,
  p_emoji text,
  p_on boolean,
  p_user_is_owner boolean,
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
    -- A blocked person may take their reactions back, not add any; so may someone the room's
    -- settings keep from sending.
    block_reason := chat.sender_block_reason(p_user_id, p_room);
    if block_reason is not null then
      outcome := 'blocked';
      return;
    end if;
    outcome := chat.room_send_refusal(p_room, p_user_is_owner, existing.recipient_id is not null);
    if outcome is not null then
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
comment on function chat.toggle_chat_reaction(uuid, chat.room_name, text, text, boolean, boolean) is
  'Adds (p_on true) or removes one person''s emoji reaction to a visible message of the room, idempotently, under the room lock. Adding is refused while the room''s settings do not let the person send (p_user_is_owner: they are a room owner); removing never is. Returns the outcome (added, removed, unchanged, not_found, blocked with block_reason, chat_off, owners_only, private_off), and the message (with its new revision) and its reactions when not refused. A 21st different emoji raises SQLSTATE BCRXN.';

-- As for edits: the signature without the owner flag goes.
drop function chat.toggle_chat_reaction(uuid, chat.room_name, text, text, boolean);

-- A reader's own private messages, newest revision first, deleted ones included (a deletion is a
-- change they catch up on): the part of a room's revision that only they (and the other person)
-- see. One index per side of the conversation, so each is a single probe however many private
-- messages others exchange. The person comes first: led by the room, the planner would also take
-- them to ask whether a room has any private message, which messages_room_private answers from
-- the index alone (these include deleted messages, so they would read rows to skip those).
create index messages_private_sender_revision
  on chat.messages (sender_id, room, revision) where recipient_id is not null;
comment on index chat.messages_private_sender_revision is
  'The private messages a person sent in a room, by revision: their share of the room''s revision as they see it.';
create index messages_private_recipient_revision
  on chat.messages (recipient_id, room, revision) where recipient_id is not null;
comment on index chat.messages_private_recipient_revision is
  'The private messages a person received in a room, by revision: their share of the room''s revision as they see it.';

-- Nobody but the owner, as for everything in chat.
call chat.lock_out_api_roles();
