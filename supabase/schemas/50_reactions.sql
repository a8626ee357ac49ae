-- Reactions: one row per (message, person, emoji). The rules hold whoever writes (the chat
-- function, Studio, SQL), because triggers keep them:
-- - a reaction goes only on a visible message (not a deleted one), and a message carries at most
--   20 different emoji (MAX_REACTION_EMOJI in functions/_shared/protocol.ts);
-- - adding or removing one gives its message a new revision, under the room's write lock, so open
--   clients catch up on it by revision (GET /changes) like on an edit;
-- - reactions leave with their message: a deleted message never shows them, a purged one takes
--   them along (on delete cascade).

create table chat.reactions (
  message_id uuid not null references chat.messages (id) on delete cascade,
  emoji text not null,
  user_id text not null,
  created_at timestamptz not null default now(),
  constraint reactions_pkey primary key (message_id, emoji, user_id),
  -- The chat function accepts one emoji grapheme only (emojiSchema); this bounds what else writes.
  constraint reactions_emoji_format check (
    char_length(emoji) between 1 and 32 and emoji !~ '[[:space:][:cntrl:]]'
  ),
  constraint reactions_user_id_length check (char_length(user_id) between 1 and 128)
);
comment on table chat.reactions is
  'Emoji reactions to chat messages: one row per message, emoji and person. At most 20 different emoji per message. To remove a reaction, delete its row (the message gets a new revision, and open clients update).';
comment on column chat.reactions.message_id is
  'The message reacted to; its reactions go when it is purged.';
comment on column chat.reactions.emoji is
  'The emoji: exactly one emoji grapheme (e.g. 👍, ❤️, 🇫🇷), as the chat function checked it.';
comment on column chat.reactions.user_id is
  'Who reacted: the ud claim of their Daily meeting token.';
comment on column chat.reactions.created_at is
  'When they reacted. A message''s reactions show in the order each emoji was first given.';
comment on index chat.reactions_pkey is
  'One reaction per message, emoji and person; serves reading a message''s reactions and counting its emoji.';
alter table chat.reactions enable row level security;

-- Before a reaction is added: the message must be visible, and it may not gain a 21st emoji. The
-- room lock first, so that two people adding different emoji at once are counted one after the
-- other (and the revision bump below commits in order with the room's other writes).
create function chat.reactions_check_insert() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  target chat.messages;
begin
  select * into target from chat.messages where id = new.message_id;
  if not found or target.deleted_at is not null then
    -- SQLSTATE BCRNF: the chat function answers 404 message_not_found.
    raise exception 'message % is not a visible message', new.message_id
      using errcode = 'BCRNF';
  end if;
  perform chat.lock_chat_room(target.room);
  if not exists (
       select from chat.reactions where message_id = new.message_id and emoji = new.emoji
     )
     and (select count(distinct emoji) from chat.reactions where message_id = new.message_id) >= 20
  then
    -- SQLSTATE BCRXN: the chat function answers 409 too_many_reactions.
    raise exception 'message % already has 20 different reactions', new.message_id
      using errcode = 'BCRXN';
  end if;
  return new;
end
$$;
comment on function chat.reactions_check_insert is
  'Trigger: a reaction needs a visible message (SQLSTATE BCRNF otherwise) and a message takes at most 20 different emoji (SQLSTATE BCRXN).';

create trigger reactions_check_insert before insert on chat.reactions
  for each row execute function chat.reactions_check_insert();

-- After a reaction is added or removed: its message takes a new revision. When the message itself
-- is being deleted (retention, the cascade), there is nothing left to announce.
create function chat.reactions_touch_message() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  target_id uuid := coalesce(new.message_id, old.message_id);
  target_room text;
begin
  select room into target_room from chat.messages where id = target_id;
  if not found then
    return null;
  end if;
  perform chat.lock_chat_room(target_room);
  -- Only revision changes: messages_touch_revision leaves such an update alone.
  update chat.messages set revision = nextval('chat.messages_revision_seq') where id = target_id;
  return null;
end
$$;
comment on function chat.reactions_touch_message is
  'Trigger: gives a message a new revision when a reaction is added to or removed from it, so open clients learn about it.';

create trigger reactions_touch_message after insert or delete on chat.reactions
  for each row execute function chat.reactions_touch_message();

-- A message's reactions as the chat function returns them: [{emoji, userIds}] in the order each
-- emoji was first given, each list in the order people reacted. One index range per message.
create function chat.message_reactions(p_message_id uuid) returns jsonb
language sql
stable
set search_path = ''
as $$
  select coalesce(
    jsonb_agg(jsonb_build_object('emoji', r.emoji, 'userIds', r.user_ids) order by r.first_at, r.emoji),
    '[]'::jsonb
  )
  from (
    select emoji, jsonb_agg(user_id order by created_at, user_id) as user_ids,
           min(created_at) as first_at
    from chat.reactions
    where message_id = p_message_id
    group by emoji
  ) as r
$$;
comment on function chat.message_reactions is
  'A message''s reactions as JSON: [{emoji, userIds}], in the order each emoji was first given.';

-- The same for a page of messages at once (history, changes, a transcript): one call and one scan
-- of reactions_pkey for all of them. (A function with its own search_path is never inlined, so
-- message_reactions per row would run one call per row.) message_reactions stays for one message
-- (storing, editing, toggling a reaction): wrapping this one in it would make that case slower.
create function chat.page_reactions(p_message_ids uuid[])
returns table (message_id uuid, reactions jsonb)
language sql
stable
set search_path = ''
as $$
  select r.message_id,
         jsonb_agg(jsonb_build_object('emoji', r.emoji, 'userIds', r.user_ids)
                   order by r.first_at, r.emoji)
  from (
    select message_id, emoji, jsonb_agg(user_id order by created_at, user_id) as user_ids,
           min(created_at) as first_at
    from chat.reactions
    where message_id = any (p_message_ids)
    group by message_id, emoji
  ) as r
  group by r.message_id
$$;
comment on function chat.page_reactions is
  'The reactions of several messages at once (a page of history, changes or a transcript): one row per message that has any, with its reactions as JSON [{emoji, userIds}] in the order each emoji was first given. Messages without reactions have no row.';

-- Adds (p_on) or removes one person's reaction, for the chat function: idempotent both ways.
-- Adding is refused while the person may not send (room settings, a block); taking a reaction
-- back never is.
create function chat.toggle_chat_reaction(
  p_message_id uuid,
  p_room chat.room_name,
  p_user_id text,
  p_emoji text,
  p_on boolean,
  p_user_is_owner boolean,
  out outcome text,
  out block_reason text,
  out message chat.messages,
  out reactions jsonb
)
language plpgsql
set search_path = ''
as $$
declare
  existing chat.messages;
begin
  perform chat.lock_chat_room(p_room);
  select * into existing from chat.messages where id = p_message_id and room = p_room;
  if not found or existing.deleted_at is not null
     or not chat.message_visible_to(existing, p_user_id) then
    outcome := 'not_found';
    return;
  end if;
  if p_on then
    -- A blocked person may take their reactions back, not add any; so may someone the room's
    -- settings keep from sending.
    block_reason := chat.sender_block_reason(p_user_id, p_room);
    if block_reason is not null then
      outcome := 'blocked';
      return;
    end if;
    outcome := chat.room_send_refusal(p_room, p_user_is_owner, existing.recipient_id is not null);
    if outcome is not null then
      return;
    end if;
    -- The triggers check the limit (SQLSTATE BCRXN) and bump the message's revision.
    insert into chat.reactions (message_id, emoji, user_id)
    values (p_message_id, p_emoji, p_user_id)
    on conflict do nothing;
    outcome := case when found then 'added' else 'unchanged' end;
  else
    delete from chat.reactions
    where message_id = p_message_id and emoji = p_emoji and user_id = p_user_id;
    outcome := case when found then 'removed' else 'unchanged' end;
  end if;
  -- Read here, after the change: the statement that called this function cannot see it yet.
  select * into message from chat.messages where id = p_message_id;
  reactions := chat.message_reactions(p_message_id);
end
$$;
comment on function chat.toggle_chat_reaction is
  'Adds (p_on true) or removes one person''s emoji reaction to a visible message of the room, idempotently, under the room lock. Adding is refused while the room''s settings do not let the person send (p_user_is_owner: they are a room owner); removing never is. Returns the outcome (added, removed, unchanged, not_found, blocked with block_reason, chat_off, owners_only, private_off), and the message (with its new revision) and its reactions when not refused. A 21st different emoji raises SQLSTATE BCRXN.';
