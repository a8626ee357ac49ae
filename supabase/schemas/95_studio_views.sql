-- Views for ops in Studio (reported_messages, for reports, is in 70_reports.sql). security_invoker:
-- a view reads with the rights of whoever reads it, never its owner's.

create view chat.room_activity with (security_invoker = true) as
select
  room,
  count(*) filter (where deleted_at is null) as messages,
  count(*) filter (where deleted_at is not null) as deleted_messages,
  count(distinct sender_id) as senders,
  min(created_at) as first_message_at,
  max(created_at) as last_message_at
from chat.messages
group by room;
comment on view chat.room_activity is
  'Activity per room: visible and deleted messages, distinct senders, first and last message. Newest rooms: sort by last_message_at.';
comment on column chat.room_activity.room is 'The room.';
comment on column chat.room_activity.messages is 'Messages visible in the room.';
comment on column chat.room_activity.deleted_messages is 'Messages deleted (hidden) in the room.';
comment on column chat.room_activity.senders is 'Distinct people who wrote in the room.';
comment on column chat.room_activity.first_message_at is 'When the first message was sent.';
comment on column chat.room_activity.last_message_at is 'When the latest message was sent.';

create view chat.latest_messages with (security_invoker = true) as
select id, room, sender_id, sender_name, body, jsonb_array_length(attachments) as files,
       created_at, edited_at, deleted_at, reply_to, recipient_id as private_to
from chat.messages
order by seq desc
limit 500;
comment on view chat.latest_messages is
  'The 500 newest messages across all rooms, deleted ones included (see deleted_at). To delete one, set deleted_at in the messages table.';
comment on column chat.latest_messages.id is 'Message id (as in messages).';
comment on column chat.latest_messages.room is 'The room it was sent in.';
comment on column chat.latest_messages.sender_id is
  'Sender''s user id (block them in blocked_senders).';
comment on column chat.latest_messages.sender_name is 'Sender''s display name.';
comment on column chat.latest_messages.body is 'The text.';
comment on column chat.latest_messages.files is 'How many files are attached.';
comment on column chat.latest_messages.created_at is 'When it was sent.';
comment on column chat.latest_messages.edited_at is 'When it was last edited, if ever.';
comment on column chat.latest_messages.deleted_at is 'When it was deleted, if it was.';
comment on column chat.latest_messages.reply_to is
  'The message it replies to, if any (as in messages).';
comment on column chat.latest_messages.private_to is
  'For a private message: the user id of the one person it is for (only they and the sender see it). Empty: the whole room sees it.';

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
