-- Room chat controls: per room, who may send (everyone, owners only, or nobody), slow mode (one
-- message per N seconds per person), whether private messages are allowed, and the Q&A's rules
-- (who may ask, anonymous questions, approval; 57_questions.sql). Owners set them
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
  retention_kind text not null default 'default',
  retention_days integer,
  retention_grace_minutes integer,
  questions text not null default 'chat',
  anonymous_questions boolean not null default false,
  questions_need_approval boolean not null default false,
  messages_need_approval boolean not null default false,
  constraint room_settings_send check (send in ('everyone', 'owners', 'nobody')),
  constraint room_settings_slow_mode check (slow_mode_seconds between 0 and 3600),
  constraint room_settings_questions check (questions in ('chat', 'everyone', 'owners', 'nobody')),
  constraint room_settings_retention check (
    (retention_kind = 'default' and retention_days is null and retention_grace_minutes is null)
    or (retention_kind = 'days' and coalesce(retention_days between 1 and 3650, false)
        and retention_grace_minutes is null)
    or (retention_kind = 'call' and coalesce(retention_grace_minutes between 0 and 10080, false)
        and retention_days is null)
  )
);
comment on table chat.room_settings is
  'Chat controls per room, set by room owners from the chat (or here). A room without a row: everyone may send, no slow mode, private messages allowed, Q&A open to whoever may send, no anonymous questions, no approval. Changes apply to the next message sent; open clients pick them up at their next catch-up (within a minute), or at once when an owner changes them from the chat.';
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
comment on column chat.room_settings.retention_kind is
  'How long the room''s chat is kept: default (the project''s retention, e.g. CHAT_RETENTION_DAYS), days (retention_days days) or call (until retention_grace_minutes after the call ends, see room_calls).';
comment on column chat.room_settings.retention_days is
  'For retention_kind days: messages older than this many days (1 to 3650) are purged. Null otherwise.';
comment on column chat.room_settings.retention_grace_minutes is
  'For retention_kind call: the chat is purged this many minutes (0 to 10080, a week) after the call ends, unless it resumed. Null otherwise.';
comment on column chat.room_settings.questions is
  'Who may ask and vote in the room''s Q&A: chat (as for sending messages, so chat off closes Q&A too), everyone, owners or nobody (Q&A set on its own).';
comment on column chat.room_settings.anonymous_questions is
  'Whether askers may hide their name from everyone in the call, owners included (ops still see it in questions).';
comment on column chat.room_settings.questions_need_approval is
  'Whether a new question (from anyone but an owner) waits for an owner''s approval before the room sees it.';
comment on column chat.room_settings.messages_need_approval is
  'Whether a new chat message for the room (from anyone but an owner; private messages aside) waits for an owner''s approval before anyone but its sender sees it (messages.review).';
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

-- For the chat function: an owner sets a room's settings (credited to them in updated_by). A null
-- p_retention_kind leaves the room's retention as it is, and a null Q&A rule (p_questions,
-- p_anonymous_questions, p_questions_need_approval) leaves that rule as it is, and so does a null
-- p_messages_need_approval (clients that do not send them).
create function chat.save_room_settings(
  p_room chat.room_name,
  p_send text,
  p_slow_mode_seconds integer,
  p_private_messages boolean,
  p_retention_kind text,
  p_retention_days integer,
  p_retention_grace_minutes integer,
  p_questions text,
  p_anonymous_questions boolean,
  p_questions_need_approval boolean,
  p_messages_need_approval boolean,
  p_actor text
) returns chat.room_settings
language plpgsql
set search_path = ''
as $$
declare
  saved chat.room_settings;
begin
  perform set_config('backchannel.actor', p_actor, true);
  insert into chat.room_settings as current (
    room, send, slow_mode_seconds, private_messages,
    retention_kind, retention_days, retention_grace_minutes,
    questions, anonymous_questions, questions_need_approval, messages_need_approval
  )
  values (
    p_room, p_send, p_slow_mode_seconds, p_private_messages,
    coalesce(p_retention_kind, 'default'),
    case when p_retention_kind is null then null else p_retention_days end,
    case when p_retention_kind is null then null else p_retention_grace_minutes end,
    coalesce(p_questions, 'chat'),
    coalesce(p_anonymous_questions, false),
    coalesce(p_questions_need_approval, false),
    coalesce(p_messages_need_approval, false)
  )
  on conflict (room) do update
    set send = excluded.send,
        slow_mode_seconds = excluded.slow_mode_seconds,
        private_messages = excluded.private_messages,
        retention_kind = coalesce(p_retention_kind, current.retention_kind),
        retention_days = case
          when p_retention_kind is null then current.retention_days else p_retention_days end,
        retention_grace_minutes = case
          when p_retention_kind is null then current.retention_grace_minutes
          else p_retention_grace_minutes end,
        questions = coalesce(p_questions, current.questions),
        anonymous_questions = coalesce(p_anonymous_questions, current.anonymous_questions),
        questions_need_approval = coalesce(p_questions_need_approval, current.questions_need_approval),
        messages_need_approval = coalesce(p_messages_need_approval, current.messages_need_approval)
  returning * into saved;
  return saved;
end
$$;
comment on function chat.save_room_settings is
  'Sets a room''s chat settings for the chat function, credited to p_actor (the owner''s user id). Retention: p_retention_kind default, days (with p_retention_days) or call (with p_retention_grace_minutes); null keeps the room''s retention as it is. Q&A: p_questions (chat, everyone, owners, nobody), p_anonymous_questions, p_questions_need_approval; each null keeps the room''s as it is. p_messages_need_approval: whether non-owners'' messages wait for an owner''s approval (null keeps it). The table''s checks refuse values out of range.';

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

-- When each room's call ended, for retention until the call ends.
create table chat.room_calls (
  room chat.room_name primary key,
  ended_at timestamptz not null,
  recorded_at timestamptz not null default now()
);
comment on table chat.room_calls is
  'When each room''s call last ended: from Daily''s meeting.ended webhook (POST /webhooks/daily) or, locally, the relay once the room stayed empty. A meeting.started after it (or the relay seeing someone join) removes the row; a message sent after ended_at also counts as the call having resumed. Rooms whose retention is call lose their chat retention_grace_minutes after ended_at.';
comment on column chat.room_calls.room is 'The room (Daily''s room name).';
comment on column chat.room_calls.ended_at is
  'When the last person left (Daily''s end_ts): the grace period counts from here.';
comment on column chat.room_calls.recorded_at is 'When the function learnt of the end.';
alter table chat.room_calls enable row level security;

-- For the chat function: a room's call ended at p_ended_at. A later end wins; an older one (a late
-- or repeated delivery) changes nothing.
create function chat.record_call_end(p_room chat.room_name, p_ended_at timestamptz)
returns void
language sql
set search_path = ''
as $$
  insert into chat.room_calls as calls (room, ended_at) values (p_room, p_ended_at)
  on conflict (room) do update
    set ended_at = excluded.ended_at, recorded_at = now()
    where calls.ended_at < excluded.ended_at
$$;
comment on function chat.record_call_end is
  'Records that a room''s call ended at p_ended_at (the newest end wins), for retention until the call ends.';

-- For the chat function: a call started in the room at p_started_at; an end recorded before it is
-- over (the call resumed). An end after it (a start delivered late) stays.
create function chat.record_call_start(p_room chat.room_name, p_started_at timestamptz)
returns void
language sql
set search_path = ''
as $$
  delete from chat.room_calls where room = p_room and ended_at <= p_started_at
$$;
comment on function chat.record_call_start is
  'Records that a room''s call started (again) at p_started_at: an earlier recorded end no longer counts.';
