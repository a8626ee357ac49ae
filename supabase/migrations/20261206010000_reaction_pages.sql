-- Reactions for a page of messages at once. The chat function read each returned message's
-- reactions with chat.message_reactions(id), once per row: a function with its own search_path is
-- never inlined, so a history page of 51 rows ran 51 function calls, each setting and restoring
-- search_path and starting its own executor. chat.page_reactions takes the page's ids and answers
-- in one call (one scan of reactions_pkey for all of them). chat.message_reactions stays for one
-- message (storing, editing, toggling a reaction): wrapping the new function in it would make that
-- case slower, not faster.

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

-- Nobody but the owner, as for everything in chat (see 20261202020000_chat_schema.sql).
revoke all on all tables in schema chat from public;
revoke all on all sequences in schema chat from public;
revoke all on all functions in schema chat from public;
do $$
declare
  api_role text;
begin
  for api_role in
    select rolname from pg_roles where rolname in ('anon', 'authenticated', 'service_role')
  loop
    execute format('revoke all on all tables in schema chat from %I', api_role);
    execute format('revoke all on all sequences in schema chat from %I', api_role);
    execute format('revoke all on all functions in schema chat from %I', api_role);
  end loop;
end
$$;
