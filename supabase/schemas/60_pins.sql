-- Pinned messages: room owners pin messages for everyone in the room to find (a bar at the top of
-- the chat, and the list of all pins). A pin is two columns of the message (messages.pinned_at,
-- pinned_by), so it is read with it, leaves with it (a deleted message loses its pin:
-- messages_touch_revision), and gives it a new revision like an edit, so open clients catch up on
-- it. Private messages are never pinned (nobody else could see them).

create index messages_room_pinned on chat.messages (room, pinned_at desc) where pinned_at is not null;
comment on index chat.messages_room_pinned is
  'A room''s pins, newest first (GET /rooms/:room/pins).';

-- For the chat function: an owner pins (p_on) or unpins a visible message, idempotently.
create function chat.pin_chat_message(
  p_id uuid,
  p_room chat.room_name,
  p_actor_id text,
  p_on boolean,
  out outcome text,
  out message chat.messages
)
language plpgsql
set search_path = ''
as $$
declare
  existing chat.messages;
  pins integer;
begin
  perform chat.lock_chat_room(p_room);
  select * into existing from chat.messages where id = p_id and room = p_room;
  -- An owner cannot see others' private messages: for them, there is no such message.
  if not found or existing.deleted_at is not null
     or not chat.message_visible_to(existing, p_actor_id) then
    outcome := 'not_found';
    return;
  end if;
  if existing.recipient_id is not null then
    outcome := 'private';
    return;
  end if;
  if p_on = (existing.pinned_at is not null) then
    outcome := 'unchanged';
    message := existing;
    return;
  end if;
  if p_on then
    select count(*) into pins from chat.messages where room = p_room and pinned_at is not null;
    if pins >= 50 then
      outcome := 'too_many';
      return;
    end if;
  end if;
  update chat.messages
  set pinned_at = case when p_on then clock_timestamp() end,
      pinned_by = case when p_on then p_actor_id end
  where id = p_id
  returning * into message;
  outcome := case when p_on then 'pinned' else 'unpinned' end;
end
$$;
comment on function chat.pin_chat_message is
  'Pins (p_on true) or unpins a visible message of the room for the chat function, idempotently, under the room lock; at most 50 pins per room. Returns the outcome (pinned, unpinned, unchanged, not_found, private, too_many) and the message.';
