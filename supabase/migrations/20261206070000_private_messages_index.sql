-- The partial index of 20261206050000_private_messages.sql's first version, which a later edit of
-- that migration dropped by mistake (after it had landed): without it, whether a room has private
-- messages reads every message of the room on each newest page. `if not exists`: a database
-- migrated with the first version already has it.
create index if not exists messages_room_private on chat.messages (room, seq desc)
  where recipient_id is not null and deleted_at is null;
comment on index chat.messages_room_private is
  'A room''s private messages, newest first: whether a room has any, and a reader''s own on the newest page.';
