-- Mentions: a message may name people with `@Name` in its text, and says who each one is by user
-- id (`mentions`), so the person mentioned is marked and notified whatever their name, and two
-- people with one name are told apart. The chat function checks that each mention is named in the
-- text; the database bounds the list, and keeps it true to the text when the text changes
-- (whoever edits it: the chat function, Studio, SQL).

alter table chat.messages add column mentions jsonb not null default '[]'::jsonb;
alter table chat.messages
  add constraint messages_mentions_shape check (
    jsonb_typeof(mentions) = 'array' and jsonb_array_length(mentions) <= 20
  );
comment on column chat.messages.mentions is
  'The people the message mentions, as [{"userId", "name"}]: each is @name in body, and userId is the ud claim of their meeting token. At most 20. Editing the body drops mentions it no longer names.';

-- An edited text keeps only the mentions it still names: nobody stays "mentioned" by a message
-- that no longer says their name.
create function chat.messages_keep_named_mentions() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.body is distinct from old.body and new.mentions is not distinct from old.mentions then
    new.mentions := coalesce(
      (select jsonb_agg(mention order by position)
       from jsonb_array_elements(new.mentions) with ordinality as named(mention, position)
       where strpos(new.body, '@' || (mention ->> 'name')) > 0),
      '[]'::jsonb
    );
  end if;
  return new;
end
$$;
comment on function chat.messages_keep_named_mentions is
  'Trigger: when a message''s body changes, drops the mentions whose @name it no longer says.';

create trigger messages_keep_named_mentions before update of body on chat.messages
  for each row execute function chat.messages_keep_named_mentions();

-- Storing a message now takes whom it mentions. Idempotent as before: a retry must name the same
-- people, else it is a different message (conflict).
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
       or existing.reply_to is distinct from p_reply_to
       or existing.mentions <> p_mentions then
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
  insert into chat.messages
    (id, room, sender_id, sender_name, body, attachments, reply_to, mentions, created_at)
  values
    (p_id, p_room, p_sender_id, p_sender_name, p_body, p_attachments, p_reply_to, p_mentions,
     clock_timestamp())
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
comment on function chat.persist_chat_message(uuid, chat.room_name, text, text, text, jsonb, integer, interval, uuid, jsonb) is
  'Stores one chat message for the chat function: idempotent by id (same content, parent and mentions return the stored row, anything else is a conflict), rate-limited per sender and room, and serialized per room so seq commits in order. p_reply_to is the message it replies to, or null (refused with SQLSTATE BCRPL unless a message of the same room); p_mentions whom it mentions ([{userId, name}], [] for nobody). Returns the outcome (created, duplicate, conflict, deleted, rate_limited), retry_after_ms when rate-limited, and the stored message when created or duplicate.';

-- The signature without mentions stays, for a chat function deployed before this migration (and
-- still running while it is applied): it stores a message that mentions nobody.
create or replace function chat.persist_chat_message(
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
language sql
set search_path = ''
as $$
  select result.outcome, result.retry_after_ms, result.message
  from chat.persist_chat_message(
    p_id, p_room, p_sender_id, p_sender_name, p_body, p_attachments, p_rate_limit, p_rate_window,
    p_reply_to, '[]'::jsonb
  ) as result
$$;
comment on function chat.persist_chat_message(uuid, chat.room_name, text, text, text, jsonb, integer, interval, uuid) is
  'Stores one chat message that mentions nobody: persist_chat_message with p_mentions [], kept for chat functions deployed before mentions.';

-- Nobody but the owner, as for everything in chat (see 20261202020000_chat_schema.sql).
revoke all on all functions in schema chat from public;
do $$
declare
  api_role text;
begin
  for api_role in
    select rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role')
  loop
    execute format('revoke all on all functions in schema chat from %I', api_role);
  end loop;
end
$$;
