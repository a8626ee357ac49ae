-- Room chat controls: per room, who may send (everyone, owners only, or nobody), slow mode (one
-- message per N seconds per person) and whether private messages are allowed. Owners set them
-- from the chat column (PUT /rooms/:room/settings); ops can edit the table in Studio. A room
-- without a row has the defaults. They are enforced where messages are stored
-- (persist_chat_message), so they hold across every function instance.
--
-- Private messages: a message may be for one person only (`recipient_id`). The chat function
-- shows it to its sender and its recipient and to nobody else.

create table chat.room_settings (
  room chat.room_name primary key,
  send text not null default 'everyone',
  slow_mode_seconds integer not null default 0,
  private_messages boolean not null default true,
  updated_at timestamptz not null default now(),
  updated_by text not null default current_user,
  constraint room_settings_send check (send in ('everyone', 'owners', 'nobody')),
  constraint room_settings_slow_mode check (slow_mode_seconds between 0 and 3600)
);
comment on table chat.room_settings is
  'Chat controls per room, set by room owners from the chat (or here). A room without a row: everyone may send, no slow mode, private messages allowed. Changes apply to the next message sent; open clients pick them up at their next catch-up (within a minute), or at once when an owner changes them from the chat.';
comment on column chat.room_settings.room is 'The room (Daily''s room name).';
comment on column chat.room_settings.send is
  'Who may send messages: everyone, owners (tokens with o: true) or nobody (chat is off, owners included).';
comment on column chat.room_settings.slow_mode_seconds is
  'Slow mode: each person (owners excepted) may send one message per this many seconds; 0 is off. At most 3600.';
comment on column chat.room_settings.private_messages is
  'Whether people may send private messages (to one person) in this room.';
comment on column chat.room_settings.updated_at is 'When the settings last changed.';
comment on column chat.room_settings.updated_by is
  'Who changed them last: a chat user id (an owner, from the chat) or the database user (Studio).';
alter table chat.room_settings enable row level security;

create function chat.room_settings_touch() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := clock_timestamp();
  new.updated_by := chat.moderation_actor();
  return new;
end
$$;
comment on function chat.room_settings_touch is
  'Trigger: stamps when room settings change and who changed them (moderation_actor: the owner, from the chat; else the database user).';

create trigger room_settings_touch before insert or update on chat.room_settings
  for each row execute function chat.room_settings_touch();

-- For the chat function: an owner sets a room's settings (credited to them in updated_by).
create function chat.save_room_settings(
  p_room chat.room_name,
  p_send text,
  p_slow_mode_seconds integer,
  p_private_messages boolean,
  p_actor text
) returns chat.room_settings
language plpgsql
set search_path = ''
as $$
declare
  saved chat.room_settings;
begin
  perform set_config('backchannel.actor', p_actor, true);
  insert into chat.room_settings as current (room, send, slow_mode_seconds, private_messages)
  values (p_room, p_send, p_slow_mode_seconds, p_private_messages)
  on conflict (room) do update
    set send = excluded.send,
        slow_mode_seconds = excluded.slow_mode_seconds,
        private_messages = excluded.private_messages
  returning * into saved;
  return saved;
end
$$;
comment on function chat.save_room_settings is
  'Sets a room''s chat settings for the chat function, credited to p_actor (the owner''s user id).';

alter table chat.messages add column recipient_id text, add column recipient_name text;
alter table chat.messages
  add constraint messages_recipient_id_length check (char_length(recipient_id) between 1 and 128),
  add constraint messages_recipient_name_only_private check (
    recipient_name is null or recipient_id is not null
  );
comment on column chat.messages.recipient_id is
  'For a private message: the one person it is for (the ud claim of their token). Only its sender and this person see it. null: the whole room sees it.';
comment on column chat.messages.recipient_name is
  'For a private message: the recipient''s display name as the sender saw it (for "Private to Ben"), if given.';

-- Storing a message now takes whom it mentions (20261206000000_mentions.sql), whom it is for
-- (null: everyone) and whether its sender is a room owner, and applies the room's settings. A retry of a stored message is answered as before
-- whatever the settings say now.
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
  p_recipient_id text,
  p_recipient_name text,
  p_sender_is_owner boolean,
  out outcome text,
  out retry_after_ms integer,
  out message chat.messages
)
language plpgsql
set search_path = ''
as $$
declare
  existing chat.messages;
  settings chat.room_settings;
  recent_count integer;
  oldest_recent timestamptz;
  last_sent timestamptz;
begin
  -- One writer per room at a time, until commit: seq then commits in order within a room, so a
  -- reader paging with after=<seq> can never skip a message that commits late.
  perform chat.lock_chat_room(p_room);

  select * into existing from chat.messages where id = p_id;
  if found then
    if existing.room <> p_room or existing.sender_id <> p_sender_id
       or existing.body <> p_body or existing.attachments <> p_attachments
       or existing.reply_to is distinct from p_reply_to
       or existing.mentions <> p_mentions
       or existing.recipient_id is distinct from p_recipient_id then
      outcome := 'conflict';
    elsif existing.deleted_at is not null then
      outcome := 'deleted';
    else
      outcome := 'duplicate';
      message := existing;
    end if;
    return;
  end if;

  select * into settings from chat.room_settings where room = p_room;
  if settings.send = 'nobody' then
    outcome := 'chat_off';
    return;
  end if;
  if settings.send = 'owners' and not p_sender_is_owner then
    outcome := 'owners_only';
    return;
  end if;
  if p_recipient_id is not null and settings.private_messages is false then
    outcome := 'private_off';
    return;
  end if;
  if settings.slow_mode_seconds > 0 and not p_sender_is_owner then
    select max(created_at) into last_sent
    from chat.messages
    where room = p_room and sender_id = p_sender_id
      and created_at > clock_timestamp() - make_interval(secs => settings.slow_mode_seconds);
    if last_sent is not null then
      outcome := 'slow_mode';
      retry_after_ms := ceil(extract(epoch from
        last_sent + make_interval(secs => settings.slow_mode_seconds) - clock_timestamp()) * 1000);
      return;
    end if;
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
    (id, room, sender_id, sender_name, body, attachments, reply_to, mentions, recipient_id,
     recipient_name, created_at)
  values
    (p_id, p_room, p_sender_id, p_sender_name, p_body, p_attachments, p_reply_to, p_mentions,
     p_recipient_id, p_recipient_name, clock_timestamp())
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
comment on function chat.persist_chat_message(uuid, chat.room_name, text, text, text, jsonb, integer, interval, uuid, jsonb, text, text, boolean) is
  'Stores one chat message for the chat function: idempotent by id (the same content, parent, mentions and recipient return the stored row, anything else is a conflict), under the room''s settings (chat_off, owners_only, private_off, slow_mode with retry_after_ms; owners are exempt from owners_only and slow mode), rate-limited per sender and room, and serialized per room so seq commits in order. p_recipient_id: the one person a private message is for, or null (p_recipient_name: their name as the sender saw it). Returns the outcome (created, duplicate, conflict, deleted, chat_off, owners_only, private_off, slow_mode, rate_limited), retry_after_ms when told to wait, and the stored message when created or duplicate.';

-- The signature of before mentions, private messages and settings stays, for a chat function
-- deployed before this migration (and still running while it is applied): a message for everyone
-- that mentions nobody, from someone who is not an owner.
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
    p_reply_to, '[]'::jsonb, null::text, null::text, false
  ) as result
$$;
comment on function chat.persist_chat_message(uuid, chat.room_name, text, text, text, jsonb, integer, interval, uuid) is
  'Stores one chat message for everyone that mentions nobody, from someone who is not a room owner: persist_chat_message with p_mentions [], p_recipient_id and p_recipient_name null and p_sender_is_owner false, kept for chat functions deployed before mentions and room settings.';

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
