-- Q&A (issue 22): a write answers its one question without building the room's whole board.
-- question_json holds what room_questions showed of a question, and question_seen_by shows one;
-- every function that answered a question read room_questions whole and picked it from there,
-- which cost as much as the board (1,000 questions). A board also holds at most 1,000 questions
-- not dismissed (ask_question: board_full). supabase/schemas/57_questions.sql holds the same.

create function chat.question_json(q chat.questions, p_reader_id text) returns jsonb
language sql
stable
set search_path = ''
as $$
  select jsonb_strip_nulls(jsonb_build_object(
    'id', q.id,
    'body', q.body,
    'askerName', case when not q.anonymous then q.asker_name end,
    'anonymous', q.anonymous,
    'mine', q.asker_id = p_reader_id,
    'votes', q.votes,
    'myVote', exists (
      select from chat.question_votes as vote
      where vote.question_id = q.id and vote.voter_id = p_reader_id
    ),
    'state', q.state,
    'review', q.review,
    'answer', q.answer,
    'answeredAt', to_char(q.answered_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'createdAt', to_char(q.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'editedAt', to_char(q.edited_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'revision', q.revision
  ))
$$;
comment on function chat.question_json is
  'One question as JSON for one reader (p_reader_id): {id, body, askerName (absent when anonymous), anonymous, mine, votes, myVote, state, review, answer, answeredAt, createdAt, editedAt, revision}. Never the asker of an anonymous question.';


create function chat.question_seen_by(
  p_id uuid,
  p_room chat.room_name,
  p_reader_id text,
  p_reader_is_owner boolean
) returns jsonb
language sql
stable
set search_path = ''
as $$
  select chat.question_json(q, p_reader_id)
  from chat.questions as q
  where q.id = p_id and q.room = p_room
    and chat.question_visible_to(q, p_reader_id, p_reader_is_owner)
$$;
comment on function chat.question_seen_by is
  'One question of a room as question_json shows it to a reader, or null when question_visible_to hides it from them (or there is no such question in the room).';


create or replace function chat.room_questions(
  p_room chat.room_name,
  p_reader_id text,
  p_reader_is_owner boolean
) returns table (question jsonb)
language sql
stable
set search_path = ''
as $$
  select chat.question_json(q, p_reader_id) as question
  from chat.questions as q
  where q.room = p_room
    and chat.question_visible_to(q, p_reader_id, p_reader_is_owner)
  order by q.votes desc, q.created_at, q.id
$$;
comment on function chat.room_questions is
  'A room''s board for one reader, by votes then age: approved questions that are not dismissed, plus pending ones for their asker and for owners, and rejected ones for their asker only (review rejected: so they can be told). Each as JSON {id, body, askerName (absent when anonymous), anonymous, mine, votes, myVote, state, review, answer, answeredAt, createdAt, editedAt, revision}: never the asker of an anonymous question.';


create or replace function chat.ask_question(
  p_id uuid,
  p_room chat.room_name,
  p_asker_id text,
  p_asker_name text,
  p_body text,
  p_anonymous boolean,
  p_asker_is_owner boolean,
  out outcome text,
  out block_reason text,
  out question jsonb
)
language plpgsql
set search_path = ''
as $$
declare
  settings chat.room_settings;
  existing chat.questions;
begin
  perform chat.lock_chat_room(p_room);
  select * into existing from chat.questions where id = p_id;
  if found then
    outcome := case
      when existing.room = p_room and existing.asker_id = p_asker_id and existing.body = p_body
        and existing.anonymous = p_anonymous then 'duplicate'
      else 'conflict'
    end;
  else
    block_reason := chat.sender_block_reason(p_asker_id, p_room);
    if block_reason is not null then
      outcome := 'blocked';
      return;
    end if;
    outcome := chat.room_question_refusal(p_room, p_asker_is_owner);
    if outcome is not null then
      return;
    end if;
    select * into settings from chat.room_settings where room = p_room;
    if p_anonymous and not coalesce(settings.anonymous_questions, false) then
      outcome := 'anonymous_off';
      return;
    end if;
    -- A board is read whole (room_questions): it holds at most 1,000 questions (MAX_BOARD_QUESTIONS
    -- in functions/_shared/protocol.ts); dismissed ones, which no board shows, do not count.
    if (select count(*) from chat.questions as q where q.room = p_room and q.state <> 'dismissed')
       >= 1000 then
      outcome := 'board_full';
      return;
    end if;
    insert into chat.questions (id, room, asker_id, asker_name, anonymous, body, review)
    values (
      p_id, p_room, p_asker_id, p_asker_name, p_anonymous, p_body,
      case when coalesce(settings.questions_need_approval, false) and not p_asker_is_owner
        then 'pending' else 'approved' end
    );
    outcome := 'created';
  end if;
  if outcome in ('created', 'duplicate') then
    question := chat.question_seen_by(p_id, p_room, p_asker_id, p_asker_is_owner);
  end if;
end
$$;
comment on function chat.ask_question is
  'Asks a question for the chat function, under the room''s write lock. Outcomes: created, duplicate (the same id, asker and text: a retry), conflict (the id holds another question), blocked (with block_reason), questions_off, owners_only, anonymous_off, board_full (1,000 questions not dismissed). A question from anyone but an owner is pending while the room''s questions need approval. Returns the question as room_questions shows it to its asker.';


create or replace function chat.vote_question(
  p_id uuid,
  p_room chat.room_name,
  p_voter_id text,
  p_up boolean,
  p_voter_is_owner boolean,
  out outcome text,
  out block_reason text,
  out question jsonb
)
language plpgsql
set search_path = ''
as $$
declare
  target chat.questions;
  changed integer;
begin
  perform chat.lock_chat_room(p_room);
  select * into target from chat.questions where id = p_id and room = p_room;
  if not found or not chat.question_visible_to(target, p_voter_id, p_voter_is_owner) then
    outcome := 'not_found';
    return;
  end if;
  if target.asker_id = p_voter_id then
    outcome := 'own_question';
  elsif target.review <> 'approved' or target.state not in ('open', 'answering') then
    outcome := 'closed';
  else
    block_reason := chat.sender_block_reason(p_voter_id, p_room);
    if block_reason is not null then
      outcome := 'blocked';
      return;
    end if;
    outcome := chat.room_question_refusal(p_room, p_voter_is_owner);
    if outcome is not null then
      return;
    end if;
    if p_up then
      insert into chat.question_votes (question_id, voter_id) values (p_id, p_voter_id)
      on conflict do nothing;
    else
      delete from chat.question_votes where question_id = p_id and voter_id = p_voter_id;
    end if;
    get diagnostics changed = row_count;
    outcome := case when changed = 0 then 'unchanged' when p_up then 'voted' else 'withdrawn' end;
  end if;
  question := chat.question_seen_by(p_id, p_room, p_voter_id, p_voter_is_owner);
end
$$;
comment on function chat.vote_question is
  'Upvotes a question (p_up) or takes the vote back, for the chat function, under the room''s write lock; idempotent. Outcomes: voted, withdrawn, unchanged, not_found (no such question for this voter), own_question, closed (answered, pending or rejected), blocked (with block_reason), questions_off, owners_only. Returns the question as room_questions shows it to the voter.';


create or replace function chat.edit_question(
  p_id uuid,
  p_room chat.room_name,
  p_user_id text,
  p_body text,
  p_user_is_owner boolean,
  out outcome text,
  out block_reason text,
  out question jsonb
)
language plpgsql
set search_path = ''
as $$
declare
  target chat.questions;
  settings chat.room_settings;
begin
  perform chat.lock_chat_room(p_room);
  select * into target from chat.questions where id = p_id and room = p_room;
  if not found or not chat.question_visible_to(target, p_user_id, p_user_is_owner) then
    outcome := 'not_found';
    return;
  end if;
  if target.asker_id <> p_user_id then
    outcome := 'forbidden';
  elsif target.state <> 'open' or target.review = 'rejected' then
    outcome := 'closed';
  else
    block_reason := chat.sender_block_reason(p_user_id, p_room);
    outcome := case
      when block_reason is not null then 'blocked'
      else chat.room_question_refusal(p_room, p_user_is_owner)
    end;
    if outcome is null and target.body = p_body then
      outcome := 'unchanged';
    elsif outcome is null and target.votes > 0 then
      outcome := 'has_votes';
    elsif outcome is null then
      select * into settings from chat.room_settings where room = p_room;
      update chat.questions
      set body = p_body,
          review = case
            when coalesce(settings.questions_need_approval, false) and not p_user_is_owner
              then 'pending' else review end,
          reviewed_at = case
            when coalesce(settings.questions_need_approval, false) and not p_user_is_owner
              then null else reviewed_at end,
          reviewed_by = case
            when coalesce(settings.questions_need_approval, false) and not p_user_is_owner
              then null else reviewed_by end
      where id = p_id;
      outcome := 'edited';
    end if;
  end if;
  question := chat.question_seen_by(p_id, p_room, p_user_id, p_user_is_owner);
end
$$;
comment on function chat.edit_question is
  'Changes the text of one''s own question for the chat function, under the room''s write lock, while it is open (not being answered, answered or rejected) and has no votes; sets edited_at. While the room''s questions need approval, the edited question of anyone but an owner (p_user_is_owner) is pending again. Outcomes: edited, unchanged (the same text), not_found (no such question on this person''s board: question_visible_to), forbidden (not the asker), closed, blocked (with block_reason), questions_off, owners_only, has_votes. Returns the question as room_questions shows it to the person, for every outcome but not_found.';


create or replace function chat.set_question_state(
  p_id uuid,
  p_room chat.room_name,
  p_actor_id text,
  p_state text,
  p_answer text,
  out outcome text,
  out question jsonb
)
language plpgsql
set search_path = ''
as $$
declare
  target chat.questions;
begin
  perform chat.lock_chat_room(p_room);
  -- Credits a dismissal or its undoing in moderation_log (questions_log_moderation).
  perform set_config('backchannel.actor', p_actor_id, true);
  if p_state is null or p_state not in ('open', 'answering', 'answered', 'dismissed') then
    outcome := 'invalid_state';
    return;
  end if;
  -- An owner finds every question of the room, dismissed ones included (to open them again).
  select * into target from chat.questions where id = p_id and room = p_room;
  if not found then
    outcome := 'not_found';
    return;
  end if;
  if target.review <> 'approved' then
    outcome := 'pending';
  elsif p_answer is not null
        and (p_state <> 'answered' or char_length(p_answer) not between 1 and 1000
             or p_answer <> btrim(p_answer)) then
    outcome := 'invalid_answer';
    return;
  elsif target.state = p_state and target.answer is not distinct from p_answer then
    outcome := 'unchanged';
  else
    if p_state = 'answering' then
      update chat.questions set state = 'open'
      where room = p_room and state = 'answering' and id <> p_id;
    end if;
    update chat.questions
    set state = p_state,
        answer = p_answer,
        answered_at = case when p_state = 'answered' then clock_timestamp() end,
        answered_by = case when p_state = 'answered' then p_actor_id end
    where id = p_id;
    outcome := 'changed';
  end if;
  question := chat.question_seen_by(p_id, p_room, p_actor_id, true);
end
$$;
comment on function chat.set_question_state is
  'An owner marks a question of the room (p_state) answering (the room''s previous one goes back to open), answered (with p_answer, 1 to 1000 characters and trimmed, or null), open (its answer cleared) or dismissed, for the chat function, under the room''s write lock; credited to p_actor_id. Outcomes: changed, unchanged, not_found (no such question in the room), pending (not approved: pending or rejected; review_questions is for those), invalid_state (p_state not one of the four), invalid_answer (an answer out of bounds, untrimmed, or given with another state than answered). Returns the question as room_questions shows it to an owner: null for a dismissed one, which no board shows.';


create or replace function chat.review_questions(
  p_room chat.room_name,
  p_ids uuid[],
  p_actor_id text,
  p_approve boolean
) returns table (id uuid, outcome text, question jsonb)
language plpgsql
set search_path = ''
as $$
declare
  target_id uuid;
  target chat.questions;
  result text;
begin
  if p_ids is null or cardinality(p_ids) not between 1 and 100
     or array_position(p_ids, null) is not null or p_approve is null then
    raise exception 'review 1 to 100 question ids at a time, approving or rejecting them'
      using errcode = '22023';
  end if;
  perform chat.lock_chat_room(p_room);
  for target_id in
    select given.id from unnest(p_ids) with ordinality as given (id, n)
    group by given.id order by min(given.n)
  loop
    select * into target from chat.questions as q where q.id = target_id and q.room = p_room;
    if not found or target.state = 'dismissed' then
      result := 'not_found';
    elsif target.review <> 'pending' then
      result := 'unchanged';
    else
      update chat.questions as q
      set review = case when p_approve then 'approved' else 'rejected' end,
          reviewed_at = clock_timestamp(),
          reviewed_by = p_actor_id
      where q.id = target_id;
      result := case when p_approve then 'approved' else 'rejected' end;
    end if;
    return query
      select target_id, result, chat.question_seen_by(target_id, p_room, p_actor_id, true);
  end loop;
end
$$;
comment on function chat.review_questions is
  'An owner approves (p_approve) or rejects 1 to 100 pending questions of the room at once, for the chat function, under the room''s write lock; credited to p_actor_id (reviewed_by). One row per distinct id, in the order given: its outcome (approved, rejected, unchanged: not pending; not_found: not in this room, dismissed, or none) and the question as room_questions shows it to an owner (null for a rejected one, which only its asker sees). Another number of ids is an error (SQLSTATE 22023).';


call chat.lock_out_api_roles();
