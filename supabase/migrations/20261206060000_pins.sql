-- Pinned messages: room owners pin messages for everyone in the room to find (a bar at the top of
-- the chat, and the list of all pins). A pin is two columns of the message, so it is read with it,
-- leaves with it (a deleted message loses its pin), and gives it a new revision like an edit, so
-- open clients catch up on it. Private messages are never pinned (nobody else could see them).

alter table chat.messages
  add column pinned_at timestamptz,
  add column pinned_by text,
  add constraint messages_pinned_together check ((pinned_at is null) = (pinned_by is null)),
  add constraint messages_pin_not_private check (pinned_at is null or recipient_id is null);
comment on column chat.messages.pinned_at is
  'When a room owner pinned the message for everyone (null: not pinned). Set or clear it here to pin or unpin; a deleted message loses its pin. Private messages cannot be pinned.';
comment on column chat.messages.pinned_by is
  'Who pinned it: the owner''s user id, or the database user (Studio).';

create index messages_room_pinned on chat.messages (room, pinned_at desc) where pinned_at is not null;
comment on index chat.messages_room_pinned is 'A room''s pins, newest first (GET /rooms/:room/pins).';

-- Revisions now also follow pins; a deleted message loses its pin.
create or replace function chat.messages_touch_revision() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.deleted_at is not null and old.deleted_at is null then
    new.pinned_at := null;
    new.pinned_by := null;
  end if;
  if new.pinned_at is not null and old.pinned_at is null and new.pinned_by is null then
    -- Pinned in Studio or SQL: credited to the database user.
    new.pinned_by := chat.moderation_actor();
  elsif new.pinned_at is null then
    new.pinned_by := null;
  end if;
  if new.body is distinct from old.body
     or new.attachments is distinct from old.attachments
     or new.deleted_at is distinct from old.deleted_at
     or new.pinned_at is distinct from old.pinned_at then
    -- Changes made in Studio queue behind the room's writes like the chat's own, so revisions
    -- commit in order within a room and no client catching up can skip one.
    perform chat.lock_chat_room(new.room);
    new.revision := nextval('chat.messages_revision_seq');
    if new.deleted_at is null then
      new.deleted_by := null;
    elsif old.deleted_at is null and new.deleted_by is not distinct from old.deleted_by then
      -- Deleted outside the chat (Studio, SQL): remember which database user did it.
      new.deleted_by := chat.moderation_actor();
    end if;
  end if;
  return new;
end
$$;
comment on function chat.messages_touch_revision is
  'Trigger: gives a message a new revision when its text, files, deletion or pin change (under the room lock), records who deleted or pinned it outside the chat, and unpins a deleted message.';

-- For the chat function: an owner pins (p_on) or unpins a visible message, idempotently.
create function chat.pin_chat_message(
  p_id uuid,
  p_room chat.room_name,
  p_actor_id text,
  p_on boolean,
  out outcome text,
  out message chat.messages
)
language plpgsql
set search_path = ''
as $$
declare
  existing chat.messages;
  pins integer;
begin
  perform chat.lock_chat_room(p_room);
  select * into existing from chat.messages where id = p_id and room = p_room;
  -- An owner cannot see others' private messages: for them, there is no such message.
  if not found or existing.deleted_at is not null
     or not chat.message_visible_to(existing, p_actor_id) then
    outcome := 'not_found';
    return;
  end if;
  if existing.recipient_id is not null then
    outcome := 'private';
    return;
  end if;
  if p_on = (existing.pinned_at is not null) then
    outcome := 'unchanged';
    message := existing;
    return;
  end if;
  if p_on then
    select count(*) into pins from chat.messages where room = p_room and pinned_at is not null;
    if pins >= 50 then
      outcome := 'too_many';
      return;
    end if;
  end if;
  update chat.messages
  set pinned_at = case when p_on then clock_timestamp() end,
      pinned_by = case when p_on then p_actor_id end
  where id = p_id
  returning * into message;
  outcome := case when p_on then 'pinned' else 'unpinned' end;
end
$$;
comment on function chat.pin_chat_message is
  'Pins (p_on true) or unpins a visible message of the room for the chat function, idempotently, under the room lock; at most 50 pins per room. Returns the outcome (pinned, unpinned, unchanged, not_found, private, too_many) and the message.';

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
