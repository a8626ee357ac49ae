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

-- Storing a message with its mentions: persist_chat_message in 20261206040000_room_settings.sql.

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
