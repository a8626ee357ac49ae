-- Quoted replies: a message may answer another message of the same room (messages.reply_to). The
-- rule "the parent is a message of this room that the sender can see" is kept by the database,
-- whoever writes (the chat function, Studio, SQL): a trigger refuses a parent that is unknown, in
-- another room, or private to others. A deleted (hidden) parent is accepted: its row is still
-- there, and the reply shows "Message deleted", as it would had the deletion come a moment later.
-- No foreign key: retention removes old messages for good, parents before their replies, and a
-- reply keeps saying what it answered ("Original message unavailable") instead of losing it.

create function chat.messages_require_reply_parent() returns trigger
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

-- Named to fire after messages_refuse_blocked (triggers fire in name order): a blocked sender
-- hears that they are blocked, not what is wrong with their reply.
create trigger messages_require_reply_parent before insert or update of reply_to on chat.messages
  for each row execute function chat.messages_require_reply_parent();
