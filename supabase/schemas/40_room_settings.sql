-- Room chat controls: per room, who may send (everyone, owners only, or nobody), slow mode (one
-- message per N seconds per person) and whether private messages are allowed. Owners set them
-- from the chat column (PUT /rooms/:room/settings); ops can edit the table in Studio. A room
-- without a row has the defaults. They are enforced where messages are stored, edited and reacted
-- to (45_message_writes.sql, 50_reactions.sql), so they hold across every function instance.

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

-- Why someone may not write into a room now, by its settings: the same rule as sending a message
-- (persist_chat_message, and sendRefusal in the chat's protocol), slow mode aside. While a person
-- may not send, they may not edit a message or add a reaction either: otherwise they would keep
-- publishing by editing an old message. Taking something away stays allowed: deleting one's
-- message, removing one's reaction. Slow mode does not apply to edits or reactions (the edit and
-- reaction quotas do).
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
