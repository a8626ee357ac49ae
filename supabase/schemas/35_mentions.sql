-- Mentions: a message may name people with `@Name` in its text, and says who each one is by user
-- id (messages.mentions, [{"userId", "name"}]), so the person mentioned is marked and notified
-- whatever their name, and two people with one name are told apart.
--
-- The chat function checks that each mention is named in the text
-- (functions/_shared/message-format.ts). The database bounds the list (messages_mentions_shape),
-- refuses a mention that labels someone with a name that is not theirs in the room, whoever
-- writes it, and keeps the list true to the text when the text changes: it reads `@Name` as
-- readers do, as a word of its own (the "@Ana" of "@Anastasia" or of "bob@Ana.com" names nobody),
-- and not inside code or a link.

-- Who is in each room under which name, from the meeting tokens the chat function verifies.
create table chat.room_people (
  room chat.room_name not null,
  user_id text not null,
  name text not null,
  named_at timestamptz not null,
  expires_at timestamptz not null,
  constraint room_people_pkey primary key (room, user_id),
  constraint room_people_user_id_length check (char_length(user_id) between 1 and 128),
  constraint room_people_name_length check (char_length(name) between 1 and 64)
);
comment on table chat.room_people is
  'Who is in each room, under which name: one row per person (user id) who used the chat with a meeting token for the room, written by the chat function when it first sees a token. A mention must label its person with the name here (trigger messages_require_mention_names). Rows go a day after the person''s last token expired.';
comment on column chat.room_people.room is 'The room (Daily''s room name).';
comment on column chat.room_people.user_id is 'The person: the ud claim of their meeting token.';
comment on column chat.room_people.name is
  'Their name in the room: the u claim of their most recently issued token (a person who rejoins under a new name is known by the new one).';
comment on column chat.room_people.named_at is
  'When the token that gave this name was issued (its iat): an older token seen later does not bring an old name back.';
comment on column chat.room_people.expires_at is
  'When the latest of their tokens for the room expires; the row is removed a day after.';
alter table chat.room_people enable row level security;

create index room_people_expires_at on chat.room_people (expires_at);
comment on index chat.room_people_expires_at is
  'Serves removing the people whose tokens expired over a day ago (note_room_people).';

-- For the chat function: records people as their tokens are seen, a batch at a time
-- ([{room, userId, name, namedAt, expiresAt}], times as ISO text). A newer token renames; an
-- older one only extends how long the row is kept. Removes a bounded number of rows that expired
-- more than a day ago, so the table stays the size of the rooms' current people.
create function chat.note_room_people(p_people jsonb) returns void
language sql
set search_path = ''
as $$
  with gone as (
    delete from chat.room_people
    where ctid in (
      select ctid from chat.room_people
      where expires_at < now() - interval '1 day'
      limit 100
    )
  )
  insert into chat.room_people as known (room, user_id, name, named_at, expires_at)
  select distinct on (person.room, person."userId")
         person.room, person."userId", person.name, person."namedAt", person."expiresAt"
  from jsonb_to_recordset(p_people) as person(
    room text, "userId" text, name text, "namedAt" timestamptz, "expiresAt" timestamptz
  )
  order by person.room, person."userId", person."namedAt" desc
  on conflict (room, user_id) do update
    set name = case when excluded.named_at >= known.named_at then excluded.name else known.name end,
        named_at = greatest(known.named_at, excluded.named_at),
        expires_at = greatest(known.expires_at, excluded.expires_at)
    where (excluded.named_at >= known.named_at and excluded.name <> known.name)
       or excluded.expires_at > known.expires_at
$$;
comment on function chat.note_room_people is
  'For the chat function: records [{room, userId, name, namedAt, expiresAt}] from verified meeting tokens in chat.room_people (the newest token''s name wins), and removes up to 100 rows that expired over a day ago.';

-- A mention must label its person with their name in the room, compared after Unicode NFC (the
-- same letters, however composed). Checked for the mentions a write adds: an old message keeps
-- its mentions when someone is renamed later.
create function chat.messages_require_mention_names() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  mislabelled text;
begin
  -- Not a list of at most 20: messages_mentions_shape refuses it, and says so.
  if jsonb_typeof(new.mentions) <> 'array' or jsonb_array_length(new.mentions) > 20 then
    return new;
  end if;
  select mention ->> 'name' into mislabelled
  from jsonb_array_elements(new.mentions) with ordinality as named(mention, position)
  where (tg_op = 'INSERT' or not old.mentions @> jsonb_build_array(mention))
    and not exists (
      select 1 from chat.room_people as person
      where person.room = new.room and person.user_id = mention ->> 'userId'
        and normalize(person.name, NFC) = normalize(mention ->> 'name', NFC)
    )
  order by position
  limit 1;
  if found then
    -- SQLSTATE BCMEN: the chat function answers it with 400 invalid_mention, naming the mention.
    raise exception 'message % mentions "%", which is not that person''s name in room %',
      new.id, mislabelled, new.room
      using errcode = 'BCMEN', detail = mislabelled;
  end if;
  return new;
end
$$;
comment on function chat.messages_require_mention_names is
  'Trigger: each mention a write adds must give its person (userId) their name in the room (chat.room_people, compared after NFC). Raises SQLSTATE BCMEN with the mention''s name as detail otherwise.';

-- Named to fire after messages_refuse_blocked (triggers fire in name order).
create trigger messages_require_mention_names before insert or update of mentions on chat.messages
  for each row when (new.mentions <> '[]'::jsonb)
  execute function chat.messages_require_mention_names();

-- Whether a character carries a name on: a letter or digit, or a mark joined to one (accents,
-- variation selectors, zero-width joiners). The ranges cover the combining marks; cased letters
-- are recognised whatever the database's locale.
create function chat.is_name_char(p_char text) returns boolean
language sql
immutable
set search_path = ''
as $$
  select p_char <> '' and (
    p_char ~ '^[[:alnum:]\u0300-\u036F\u0483-\u0489\u0591-\u05BD\u064B-\u065F\u0900-\u0903\u093A-\u094F\u1AB0-\u1AFF\u1DC0-\u1DFF\u200C\u200D\u20D0-\u20FF\uFE00-\uFE0F\uFE20-\uFE2F]$'
    or upper(p_char) <> lower(p_char)
  )
$$;
comment on function chat.is_name_char is
  'Whether a character continues a name: a letter, a digit, or a combining mark or joiner (as functions/_shared/message-format.ts''s isNameChar).';

-- The text of a message as mentions are read in it: code blocks, code spans and links blanked
-- out, so that an @Name inside them names nobody.
create function chat.mention_readable_text(p_body text) returns text
language sql
immutable
set search_path = ''
as $$
  select regexp_replace(
    regexp_replace(
      regexp_replace(p_body, '```.*?```', ' ', 'g'),
      '`[^`\n]+`', ' ', 'g'),
    'https?://[^[:space:]<>"'']+', ' ', 'gi')
$$;
comment on function chat.mention_readable_text is
  'A message''s text with code blocks, code spans and http(s) links blanked out: where an @Name can be a mention.';

-- Whether `p_text` says @name as a word of its own: not glued to a letter or digit before the @,
-- and not followed by more of a name ("@Anastasia", "@Ana-Maria", "@Ana.b" do not say "@Ana").
create function chat.text_names(p_text text, p_name text) returns boolean
language plpgsql
immutable
set search_path = ''
as $$
declare
  needle text := '@' || p_name;
  searched integer := 0;
  found integer;
  after_at integer;
  after text;
begin
  loop
    found := strpos(substr(p_text, searched + 1), needle);
    if found = 0 then
      return false;
    end if;
    found := searched + found;
    after_at := found + char_length(needle);
    after := substr(p_text, after_at, 1);
    if not chat.is_name_char(substr(p_text, found - 1, 1))
       and not chat.is_name_char(after)
       and not (after in ('-', '.', '_') and chat.is_name_char(substr(p_text, after_at + 1, 1)))
    then
      return true;
    end if;
    searched := found;
  end loop;
end
$$;
comment on function chat.text_names is
  'Whether a text says @name as a word of its own (not inside a word, not followed by more of a name).';

-- An edited text keeps only the mentions it still shows: nobody stays "mentioned" by a message
-- that no longer says their name.
create function chat.messages_keep_named_mentions() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  readable text;
begin
  if new.body is distinct from old.body and new.mentions is not distinct from old.mentions
     and new.mentions <> '[]'::jsonb then
    readable := chat.mention_readable_text(new.body);
    new.mentions := coalesce(
      (select jsonb_agg(mention order by position)
       from jsonb_array_elements(new.mentions) with ordinality as named(mention, position)
       where chat.text_names(readable, mention ->> 'name')),
      '[]'::jsonb
    );
  end if;
  return new;
end
$$;
comment on function chat.messages_keep_named_mentions is
  'Trigger: when a message''s body changes, drops the mentions it no longer shows as @name: a word of its own, outside code and links.';

create trigger messages_keep_named_mentions before update of body on chat.messages
  for each row execute function chat.messages_keep_named_mentions();
