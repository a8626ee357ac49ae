-- Quoted replies: a message may answer another message of the same room (`reply_to`). The rule
-- "the parent is a message of this room" is kept by the database, whoever writes (the chat
-- function, Studio, SQL): a trigger refuses a parent that is unknown or in another room. A deleted
-- (hidden) parent is accepted: its row is still there, and the reply shows "Message deleted", as it
-- would had the deletion come a moment later. No foreign key: retention removes old messages for
-- good, parents before their replies, and a reply keeps saying what it answered ("Original message
-- unavailable") instead of losing it.

alter table chat.messages add column reply_to uuid;
alter table chat.messages
  add constraint messages_reply_not_self check (reply_to <> id);
comment on column chat.messages.reply_to is
  'The message this one replies to (its id, in the same room; it may since be deleted or purged), or null when it replies to none.';

create function chat.messages_require_reply_parent() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  parent_room text;
begin
  if new.reply_to is null then
    return new;
  end if;
  select room into parent_room from chat.messages where id = new.reply_to;
  if not found then
    -- SQLSTATE BCRPL: the chat function answers it with 400 invalid_reply; the detail says why.
    raise exception 'message % replies to %, which is not a message', new.id, new.reply_to
      using errcode = 'BCRPL', detail = 'unknown';
  end if;
  if parent_room <> new.room then
    raise exception 'message % in room % replies to % of another room', new.id, new.room, new.reply_to
      using errcode = 'BCRPL', detail = 'other_room';
  end if;
  return new;
end
$$;
comment on function chat.messages_require_reply_parent is
  'Trigger: a reply''s parent (reply_to) must be a message of the same room. Raises SQLSTATE BCRPL with detail unknown or other_room otherwise.';

-- Named to fire after messages_refuse_blocked (triggers fire in name order): a blocked sender
-- hears that they are blocked, not what is wrong with their reply.
create trigger messages_require_reply_parent before insert or update of reply_to on chat.messages
  for each row execute function chat.messages_require_reply_parent();

-- Storing a message now takes what it replies to. Idempotent as before: a retry must name the same
-- parent, else it is a different message (conflict).
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
  out outcome text,
  out retry_after_ms integer,
  out message chat.messages
)
language plpgsql
set search_path = ''
as $$
declare
  existing chat.messages;
  recent_count integer;
  oldest_recent timestamptz;
begin
  -- One writer per room at a time, until commit: seq then commits in order within a room, so a
  -- reader paging with after=<seq> can never skip a message that commits late.
  perform chat.lock_chat_room(p_room);

  select * into existing from chat.messages where id = p_id;
  if found then
    if existing.room <> p_room or existing.sender_id <> p_sender_id
       or existing.body <> p_body or existing.attachments <> p_attachments
       or existing.reply_to is distinct from p_reply_to then
      outcome := 'conflict';
    elsif existing.deleted_at is not null then
      outcome := 'deleted';
    else
      outcome := 'duplicate';
      message := existing;
    end if;
    return;
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
  insert into chat.messages (id, room, sender_id, sender_name, body, attachments, reply_to, created_at)
  values (p_id, p_room, p_sender_id, p_sender_name, p_body, p_attachments, p_reply_to, clock_timestamp())
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
comment on function chat.persist_chat_message(uuid, chat.room_name, text, text, text, jsonb, integer, interval, uuid) is
  'Stores one chat message for the chat function: idempotent by id (same content and parent return the stored row, anything else is a conflict), rate-limited per sender and room, and serialized per room so seq commits in order. p_reply_to is the message it replies to, or null (refused with SQLSTATE BCRPL unless a message of the same room). Returns the outcome (created, duplicate, conflict, deleted, rate_limited), retry_after_ms when rate-limited, and the stored message when created or duplicate.';

-- The signature without a parent stays, for a chat function deployed before this migration (and
-- still running while it is applied): it stores a message that replies to none.
create or replace function chat.persist_chat_message(
  p_id uuid,
  p_room chat.room_name,
  p_sender_id text,
  p_sender_name text,
  p_body text,
  p_attachments jsonb,
  p_rate_limit integer,
  p_rate_window interval,
  out outcome text,
  out retry_after_ms integer,
  out message chat.messages
)
language sql
set search_path = ''
as $$
  select result.outcome, result.retry_after_ms, result.message
  from chat.persist_chat_message(
    p_id, p_room, p_sender_id, p_sender_name, p_body, p_attachments, p_rate_limit, p_rate_window,
    null::uuid
  ) as result
$$;
comment on function chat.persist_chat_message(uuid, chat.room_name, text, text, text, jsonb, integer, interval) is
  'Stores one chat message that replies to none: persist_chat_message with p_reply_to null, kept for chat functions deployed before replies.';

-- Studio: which message each of the latest replies to (a new last column; the others stay).
create or replace view chat.latest_messages with (security_invoker = true) as
select id, room, sender_id, sender_name, body, jsonb_array_length(attachments) as files,
       created_at, edited_at, deleted_at, reply_to
from chat.messages
order by seq desc
limit 500;
comment on column chat.latest_messages.reply_to is 'The message it replies to, if any (as in messages).';

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
