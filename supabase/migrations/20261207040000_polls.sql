-- Polls (issue 20, item 6): a chat message whose text is the question, with 2 to 10 options and one
-- vote per person; counts reach everyone through the message's revision, as reactions do. The same
-- objects as supabase/schemas/55_polls.sql (local/declarative-schema.test.ts keeps them equal).
-- persist_chat_message keeps its signature: persist_chat_poll calls it, then stores the poll in the
-- same transaction.

-- Polls: a chat message whose text is the question, with 2 to 10 options (chat.polls) and one vote
-- per person (chat.poll_votes). A poll lives in the timeline like any message: it is started
-- through persist_chat_message (its rate limit, slow mode and the room's settings), read with its
-- message, deleted with it (a deleted message's poll is never shown) and purged with it (on delete
-- cascade). Private messages are never polls. The rules hold whoever writes, by triggers:
-- - a vote names one of the poll's options and goes only on an open poll;
-- - a vote changed, taken back, or a poll closed gives its message a new revision, under the
--   room's write lock, so open clients catch up on the new counts by revision (GET /changes), as
--   for a reaction.
-- Who voted for what is kept for the one-vote rule and never read by the chat: it answers counts,
-- and each reader their own vote (page_polls).

-- The options' text, checked where they are stored (the chat checks the same with pollOptionSchema
-- first, and compares them case-insensitively besides).
create function chat.poll_options_valid(p_options text[]) returns boolean
language sql
immutable
set search_path = ''
as $$
  select coalesce(bool_and(
           option is not null
           and char_length(option) between 1 and 100
           and option = btrim(option)
           and option !~ '[[:cntrl:]]'
         ), false)
     and count(distinct option) = count(*)
  from unnest(p_options) as option
$$;
comment on function chat.poll_options_valid is
  'Whether a poll''s options are each 1 to 100 characters of trimmed text without control characters, and no two the same.';

create table chat.polls (
  message_id uuid not null references chat.messages (id) on delete cascade,
  options text[] not null,
  closed_at timestamptz,
  closed_by text,
  constraint polls_pkey primary key (message_id),
  -- MIN_POLL_OPTIONS and MAX_POLL_OPTIONS in functions/_shared/protocol.ts.
  constraint polls_options_count check (
    array_ndims(options) = 1 and cardinality(options) between 2 and 10
  ),
  constraint polls_options_text check (chat.poll_options_valid(options)),
  constraint polls_closed_together check ((closed_at is null) = (closed_by is null))
);
comment on table chat.polls is
  'Polls: the chat message (messages.id) whose text is the question, and its options. One row per poll message, removed with the message. To close a poll, set closed_at and closed_by (the message gets a new revision, and open clients update).';
comment on column chat.polls.message_id is
  'The poll''s message: its text is the question, its sender started the poll. Never a private message.';
comment on column chat.polls.options is
  'The options people choose from, in the order shown: 2 to 10, each 1 to 100 characters, no two alike. A vote names one by its position, from 0.';
comment on column chat.polls.closed_at is
  'When the poll was closed (no more votes, changes or take-backs); empty while it is open.';
comment on column chat.polls.closed_by is
  'Who closed it: the user id (ud claim) of its sender or of a room owner, or the database user when closed in Studio.';
alter table chat.polls enable row level security;

create table chat.poll_votes (
  message_id uuid not null references chat.polls (message_id) on delete cascade,
  user_id text not null,
  option smallint not null,
  voted_at timestamptz not null default now(),
  -- One vote per person and poll: a second vote replaces the first.
  constraint poll_votes_pkey primary key (message_id, user_id),
  constraint poll_votes_option_range check (option between 0 and 9),
  constraint poll_votes_user_id_length check (char_length(user_id) between 1 and 128)
);
comment on table chat.poll_votes is
  'Votes in polls: one row per poll and person, naming the option they chose. The chat never shows who voted for what, only the counts (and each person their own vote). To take a vote back, delete its row (the message gets a new revision, and open clients update).';
comment on column chat.poll_votes.message_id is
  'The poll (polls.message_id); its votes go with it.';
comment on column chat.poll_votes.user_id is
  'Who voted: the ud claim of their Daily meeting token.';
comment on column chat.poll_votes.option is
  'The option chosen: its position in polls.options, from 0.';
comment on column chat.poll_votes.voted_at is 'When they voted, or last changed their vote.';
comment on index chat.poll_votes_pkey is
  'One vote per poll and person; serves counting a poll''s votes and finding a person''s own.';
alter table chat.poll_votes enable row level security;

-- Before a poll is stored: its message must be a visible message for the room, not a private one.
create function chat.polls_check_insert() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  target chat.messages;
begin
  select * into target from chat.messages where id = new.message_id;
  if not found or target.deleted_at is not null or target.recipient_id is not null then
    -- SQLSTATE BCPOL: the chat function refuses such polls before they get here.
    raise exception 'message % is not a visible message for the room', new.message_id
      using errcode = 'BCPOL';
  end if;
  return new;
end
$$;
comment on function chat.polls_check_insert is
  'Trigger: a poll needs a visible message for the whole room, never a private one (SQLSTATE BCPOL otherwise).';

create trigger polls_check_insert before insert on chat.polls
  for each row execute function chat.polls_check_insert();

-- Before a vote is stored or changed: it must name one of the poll's options, and the poll must be
-- open. The room lock first, so that a vote queues behind the room's writes (and a closing).
create function chat.poll_votes_check() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  target chat.polls;
  target_room text;
begin
  select room into target_room from chat.messages where id = new.message_id;
  perform chat.lock_chat_room(target_room);
  select * into target from chat.polls where message_id = new.message_id;
  if target.closed_at is not null then
    raise exception 'poll % is closed', new.message_id using errcode = 'BCPOL';
  end if;
  if new.option >= cardinality(target.options) then
    raise exception 'poll % has no option %', new.message_id, new.option using errcode = 'BCPOL';
  end if;
  return new;
end
$$;
comment on function chat.poll_votes_check is
  'Trigger: a vote names one of its poll''s options, and only while the poll is open (SQLSTATE BCPOL otherwise).';

create trigger poll_votes_check before insert or update on chat.poll_votes
  for each row execute function chat.poll_votes_check();

-- After a vote is cast, changed or taken back, or a poll closed or reopened: its message takes a
-- new revision. When the message itself is being purged (the cascade), there is nothing left to
-- announce.
create function chat.polls_touch_message() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  target_id uuid := coalesce(new.message_id, old.message_id);
  target_room text;
begin
  -- A poll's update that changes neither its options nor whether it is closed announces nothing.
  -- (Nested: the fields of `new` are those of the table that fired.)
  if tg_table_name = 'polls' and tg_op = 'UPDATE' then
    if new.closed_at is not distinct from old.closed_at and new.options = old.options then
      return null;
    end if;
  end if;
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
comment on function chat.polls_touch_message is
  'Trigger: gives a poll''s message a new revision when a vote is cast, changed or taken back, or the poll is closed or reopened, so open clients learn the new counts.';

create trigger poll_votes_touch_message after insert or update or delete on chat.poll_votes
  for each row execute function chat.polls_touch_message();

create trigger polls_touch_message after update on chat.polls
  for each row execute function chat.polls_touch_message();

-- A poll's question stays a question: an edit of its message's text keeps it to 300 characters
-- (MAX_POLL_QUESTION_CHARS in functions/_shared/protocol.ts), whoever edits it.
create function chat.messages_keep_poll_question() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if char_length(new.body) > 300
     and exists (select from chat.polls where message_id = new.id) then
    -- SQLSTATE BCPQL: the chat function answers 400 invalid_input.
    raise exception 'the question of poll % is at most 300 characters', new.id
      using errcode = 'BCPQL';
  end if;
  return new;
end
$$;
comment on function chat.messages_keep_poll_question is
  'Trigger: the text of a poll''s message (its question) stays at most 300 characters when edited (SQLSTATE BCPQL otherwise).';

create trigger messages_keep_poll_question before update of body on chat.messages
  for each row execute function chat.messages_keep_poll_question();

-- Polls as the chat function returns them (StoredPoll in functions/_shared/protocol.ts), for a page
-- of messages at once: one row per message that is a poll, {options: [{text, votes}], myVote,
-- closedAt, closedBy}. myVote is p_reader_id's own vote (absent when they have none, or when no
-- reader is given); who else voted for what is never part of it.
create function chat.page_polls(p_message_ids uuid[], p_reader_id text)
returns table (message_id uuid, poll jsonb)
language sql
stable
set search_path = ''
as $$
  select poll.message_id,
         jsonb_strip_nulls(jsonb_build_object(
           'options', (
             select jsonb_agg(jsonb_build_object('text', choice.label, 'votes', coalesce(tally.votes, 0))
                              order by choice.n)
             from unnest(poll.options) with ordinality as choice (label, n)
             left join (
               select vote.option, count(*)::int as votes from chat.poll_votes as vote
               where vote.message_id = poll.message_id
               group by vote.option
             ) as tally on tally.option = choice.n - 1
           ),
           'myVote', (
             select vote.option from chat.poll_votes as vote
             where vote.message_id = poll.message_id and vote.user_id = p_reader_id
           ),
           'closedAt', to_char(poll.closed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
           'closedBy', poll.closed_by
         )) as poll
  from chat.polls as poll
  where poll.message_id = any (p_message_ids)
$$;
comment on function chat.page_polls is
  'The polls among several messages (a page of history, changes, a transcript, or one message): one row per poll, as JSON {options: [{text, votes}], myVote, closedAt, closedBy}. myVote is the reader''s own option (p_reader_id; none without a reader). Messages that are not polls have no row.';

-- Starting a poll, for the chat function: its message is stored by persist_chat_message (its
-- rate limit, slow mode and the room's settings), and the poll with it in the same transaction.
-- A retry with the same question and options answers the poll as stored; anything else is a
-- conflict.
create function chat.persist_chat_poll(
  p_id uuid,
  p_room chat.room_name,
  p_sender_id text,
  p_sender_name text,
  p_question text,
  p_options jsonb,
  p_rate_limit integer,
  p_rate_window interval,
  p_reply_to uuid,
  p_mentions jsonb,
  p_sender_is_owner boolean,
  out outcome text,
  out retry_after_ms integer,
  out message chat.messages,
  out poll jsonb
)
language plpgsql
set search_path = ''
as $$
declare
  stored record;
  poll_options text[] := array(
    select choice.label from jsonb_array_elements_text(p_options) with ordinality as choice (label, n)
    order by choice.n
  );
begin
  -- A poll is for the whole room: no files, no recipient.
  select * into stored
  from chat.persist_chat_message(
    p_id, p_room, p_sender_id, p_sender_name, p_question, '[]'::jsonb, p_rate_limit, p_rate_window,
    p_reply_to, p_mentions, null, null, p_sender_is_owner
  );
  outcome := stored.outcome;
  retry_after_ms := stored.retry_after_ms;
  if outcome = 'created' then
    insert into chat.polls (message_id, options) values (p_id, poll_options);
  elsif outcome = 'duplicate'
        and not exists (select from chat.polls as existing
                        where existing.message_id = p_id and existing.options = poll_options) then
    -- The same id and text stored as another poll, or as a message that is no poll.
    outcome := 'conflict';
  end if;
  if outcome in ('created', 'duplicate') then
    message := stored.message;
    poll := (select page.poll from chat.page_polls(array[p_id], p_sender_id) as page);
  end if;
end
$$;
comment on function chat.persist_chat_poll is
  'Starts a poll for the chat function: stores its message (text = the question) through persist_chat_message, with its rate limit, slow mode and room settings, and its options (a JSON array of 2 to 10 texts) in the same transaction. Idempotent by id: the same question and options return the stored poll, anything else is a conflict. Returns persist_chat_message''s outcome and retry_after_ms, and when created or duplicate the message and the poll as page_polls reads it for the sender.';

-- Voting, changing one's vote (p_option) or taking it back (p_option null), for the chat function:
-- one vote per person and poll, idempotent. Refused, as sending would be, while the person may not
-- send (room settings, a block), and once the poll is closed.
create function chat.vote_chat_poll(
  p_message_id uuid,
  p_room chat.room_name,
  p_user_id text,
  p_option integer,
  p_user_is_owner boolean,
  out outcome text,
  out block_reason text,
  out message chat.messages,
  out poll jsonb
)
language plpgsql
set search_path = ''
as $$
declare
  existing chat.messages;
  target chat.polls;
begin
  perform chat.lock_chat_room(p_room);
  select * into existing from chat.messages where id = p_message_id and room = p_room;
  if not found or existing.deleted_at is not null
     or not chat.message_visible_to(existing, p_user_id) then
    outcome := 'not_found';
    return;
  end if;
  select * into target from chat.polls where message_id = p_message_id;
  if not found then
    outcome := 'not_a_poll';
    return;
  end if;
  block_reason := chat.sender_block_reason(p_user_id, p_room);
  if block_reason is not null then
    outcome := 'blocked';
    return;
  end if;
  outcome := chat.room_send_refusal(p_room, p_user_is_owner, false);
  if outcome is not null then
    return;
  end if;
  if target.closed_at is not null then
    outcome := 'closed';
    return;
  end if;
  if p_option is not null and (p_option < 0 or p_option >= cardinality(target.options)) then
    outcome := 'no_such_option';
    return;
  end if;
  if p_option is null then
    delete from chat.poll_votes where message_id = p_message_id and user_id = p_user_id;
    outcome := case when found then 'withdrawn' else 'unchanged' end;
  else
    -- The same option again changes nothing: no row is written, so no new revision.
    insert into chat.poll_votes as vote (message_id, user_id, option)
    values (p_message_id, p_user_id, p_option)
    on conflict (message_id, user_id) do update
      set option = excluded.option, voted_at = clock_timestamp()
      where vote.option <> excluded.option;
    outcome := case when found then 'voted' else 'unchanged' end;
  end if;
  -- Read here, after the change: the statement that called this function cannot see it yet.
  select * into message from chat.messages where id = p_message_id;
  poll := (select page.poll from chat.page_polls(array[p_message_id], p_user_id) as page);
end
$$;
comment on function chat.vote_chat_poll is
  'Casts or changes one person''s vote in a poll of the room (p_option, from 0), or takes it back (p_option null), idempotently, under the room lock. Refused while the room''s settings do not let the person send (p_user_is_owner: they are a room owner), while they are blocked, and once the poll is closed. Returns the outcome (voted, withdrawn, unchanged, not_found, not_a_poll, blocked with block_reason, chat_off, owners_only, closed, no_such_option), and the message (with its new revision) and the poll as the voter reads it when not refused.';

-- Closing a poll, for the chat function: by its sender or a room owner, once (closing again
-- answers the poll as it was closed).
create function chat.close_chat_poll(
  p_message_id uuid,
  p_room chat.room_name,
  p_actor_id text,
  p_actor_is_owner boolean,
  out outcome text,
  out message chat.messages,
  out poll jsonb
)
language plpgsql
set search_path = ''
as $$
declare
  existing chat.messages;
  target chat.polls;
begin
  perform chat.lock_chat_room(p_room);
  select * into existing from chat.messages where id = p_message_id and room = p_room;
  if not found or existing.deleted_at is not null
     or not chat.message_visible_to(existing, p_actor_id) then
    outcome := 'not_found';
    return;
  end if;
  select * into target from chat.polls where message_id = p_message_id;
  if not found then
    outcome := 'not_a_poll';
    return;
  end if;
  if existing.sender_id <> p_actor_id and not p_actor_is_owner then
    outcome := 'forbidden';
    return;
  end if;
  if target.closed_at is null then
    update chat.polls set closed_at = clock_timestamp(), closed_by = p_actor_id
    where message_id = p_message_id;
    outcome := 'closed';
  else
    outcome := 'unchanged';
  end if;
  select * into message from chat.messages where id = p_message_id;
  poll := (select page.poll from chat.page_polls(array[p_message_id], p_actor_id) as page);
end
$$;
comment on function chat.close_chat_poll is
  'Closes a poll of the room for the chat function, under the room lock: only its sender or a room owner (p_actor_is_owner); closing again changes nothing. Returns the outcome (closed, unchanged, not_found, not_a_poll, forbidden), and the message (with its new revision) and the poll as the actor reads it when not refused.';

-- For ops in Studio: each poll with its question and counts (never who voted for what).
create view chat.poll_results with (security_invoker = true) as
select
  poll.message_id,
  message.room,
  message.sender_name as asked_by,
  message.body as question,
  poll.options,
  array(
    select count(vote.user_id)::int
    from unnest(poll.options) with ordinality as choice (label, n)
    left join chat.poll_votes as vote
      on vote.message_id = poll.message_id and vote.option = choice.n - 1
    group by choice.n
    order by choice.n
  ) as votes,
  (select count(*)::int from chat.poll_votes as vote where vote.message_id = poll.message_id)
    as voters,
  message.created_at,
  poll.closed_at,
  message.deleted_at
from chat.polls as poll
join chat.messages as message on message.id = poll.message_id;
comment on view chat.poll_results is
  'Each poll with its question, options and how many chose each (never who). Deleted polls are included (see deleted_at). To close one, set closed_at and closed_by in polls.';
comment on column chat.poll_results.message_id is 'The poll''s message (as in messages and polls).';
comment on column chat.poll_results.room is 'The room it was asked in.';
comment on column chat.poll_results.asked_by is 'Display name of who started it.';
comment on column chat.poll_results.question is 'The question (the message''s text).';
comment on column chat.poll_results.options is 'The options, in the order shown.';
comment on column chat.poll_results.votes is 'How many people chose each option, in the same order.';
comment on column chat.poll_results.voters is 'How many people voted.';
comment on column chat.poll_results.created_at is 'When the poll was started.';
comment on column chat.poll_results.closed_at is 'When it was closed; empty while open.';
comment on column chat.poll_results.deleted_at is 'When its message was deleted, if it was.';

-- The comments that name what moves a message's revision and what the quotas count.
comment on column chat.messages.revision is
  'Changes whenever the message does: written, edited, (un)deleted, (un)pinned, a reaction added or removed, or (a poll) a vote cast, changed or taken back, or the poll closed. Open clients catch up on changes by revision.';
comment on column chat.action_quotas.action is
  'What was done: upload, edit (edits and deletions), token (joining an open room), transcript, reaction, report, settings, pin or poll_vote (votes in polls, taking them back, closing polls).';

call chat.lock_out_api_roles();
