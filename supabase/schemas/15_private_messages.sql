-- Private messages: a message may be for one person only (messages.recipient_id). Only its sender
-- and its recipient may read, reply to, react to, edit or delete it, or report it. For everyone
-- else it does not exist: the functions answer as they do for an unknown id, and the chat
-- function leaves it out of every read. The rules hold whoever calls, because they are checked
-- here (message_visible_to) by every function and trigger that touches a message.

-- Whether `p_reader` may see `p_message`: a message for the room, or one they sent or received;
-- and, while it waits for an owner's approval (review pending), only its sender.
create function chat.message_visible_to(p_message chat.messages, p_reader text)
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

-- Whether a room has private messages, and a reader's own on the newest page: without this, that
-- question reads every message of the room on each newest page.
create index messages_room_private on chat.messages (room, seq desc)
  where recipient_id is not null and deleted_at is null;
comment on index chat.messages_room_private is
  'A room''s private messages, newest first: whether a room has any, and a reader''s own on the newest page.';

-- The revision of a room as a reader sees it: the newest revision of the messages for everyone,
-- plus that of their own private messages, so a private message, an edit, a reaction or a reply
-- between two people moves nothing a third person reads. These are a reader's own private
-- messages, newest revision first, deleted ones included (a deletion is a change they catch up
-- on): one index per side of the conversation, so each is a single probe however many private
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
