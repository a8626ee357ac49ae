-- Nothing has been released, so what was kept only for deployments that never happened goes (issue
-- 20). The schema as it now is reads in supabase/schemas/; local/declarative-schema.test.ts keeps
-- it equal to what these migrations build.
--
-- Two old signatures of chat.persist_chat_message stayed as wrappers around the current one, for a
-- chat function deployed before replies (8 arguments) and one deployed before mentions, private
-- messages and room settings (9). No such function was ever deployed; the chat function calls the
-- signature with 13 arguments (functions/chat/postgres-message-store.ts). Left in place, they would
-- be two more ways in to read about and to keep locked out.
drop function chat.persist_chat_message(
  uuid, chat.room_name, text, text, text, jsonb, integer, interval
);
drop function chat.persist_chat_message(
  uuid, chat.room_name, text, text, text, jsonb, integer, interval, uuid
);

-- Comments that had fallen behind: the schema holds more than when it came, a message's revision
-- also follows pins and reactions, the quota counters count more actions (reactions, reports,
-- settings and pins), and two indexes had none.
comment on schema chat is
  'Backchannel chat: messages with their replies, mentions, reactions, pins and reports; room settings, moderation, uploads, quotas and retention. Not exposed by the Data API; written and read only by the chat function''s database user (and by ops in Studio).';
comment on column chat.messages.revision is
  'Changes whenever the message does: written, edited, (un)deleted, (un)pinned, or a reaction added or removed. Open clients catch up on changes by revision.';
comment on column chat.action_quotas.action is
  'What was done: upload, edit (edits and deletions), token (joining an open room), transcript, reaction, report, settings or pin.';
comment on index chat.moderation_log_created_idx is
  'The audit trail, newest first.';
comment on index chat.room_people_expires_at is
  'Serves removing the people whose tokens expired over a day ago (note_room_people).';
