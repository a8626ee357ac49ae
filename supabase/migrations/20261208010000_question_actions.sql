-- Q&A (issue 22), what owners and askers do to questions: the asker edits (until it has votes) or
-- withdraws their question; owners mark one as being answered, answer, reopen or dismiss it, and
-- approve or reject pending ones, several at once. Each is a function for the chat function, under
-- the room's write lock. Also: who sees a question is one function (question_visible_to), and an
-- asker now sees their own rejected question (room_questions), so they can be told; an edit of a
-- question's text sets edited_at whoever makes it; owners' reviews and dismissals are written to
-- moderation_log. supabase/schemas/57_questions.sql and 20_moderation.sql hold the same.

alter table chat.moderation_log drop constraint moderation_log_action;
alter table chat.moderation_log add constraint moderation_log_action check (
  action in (
    'delete_message', 'restore_message', 'block_sender', 'unblock_sender', 'purge_messages',
    'resolve_report', 'approve_question', 'reject_question', 'dismiss_question',
    'restore_question'
  )
);
comment on table chat.moderation_log is
  'Audit trail of moderation: message deletions and restores (from the chat or Studio), blocks and unblocks, retention purges, resolved reports, and owners'' reviews and dismissals of questions. Written by triggers and functions; do not edit.';
comment on column chat.moderation_log.action is
  'delete_message, restore_message, block_sender, unblock_sender, purge_messages, resolve_report, approve_question, reject_question, dismiss_question or restore_question (a dismissal undone).';
comment on column chat.moderation_log.sender_id is
  'Whose message, block or question it is (for a question: who asked it, anonymous or not).';
comment on column chat.moderation_log.details is
  'More about the action, e.g. how many messages a purge removed, or which question (question_id).';

-- Every change of a question takes a new revision and, for a change of its text, edited_at. A
-- change that changes nothing takes none.
create or replace function chat.questions_touch() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new is not distinct from old then
    return new;
  end if;
  perform chat.lock_chat_room(new.room);
  new.revision := nextval('chat.questions_revision_seq');
  if new.body is distinct from old.body then
    new.edited_at := clock_timestamp();
  end if;
  return new;
end
$$;
comment on function chat.questions_touch is
  'Trigger: a question that changes takes the next revision (under its room''s write lock), so open clients learn of it; a change of its text sets edited_at, whoever makes it.';

-- Who sees a question on their board: everyone an approved one; its asker and the owners a pending
-- one; its asker alone a rejected one (so they can be told); nobody a dismissed one. The chat's
-- functions all answer not_found for a question the person does not see, as for an id that never
-- existed.
create function chat.question_visible_to(
  p_question chat.questions,
  p_reader_id text,
  p_reader_is_owner boolean
) returns boolean
language sql
immutable
set search_path = ''
as $$
  select p_question.state <> 'dismissed'
    and (p_question.review = 'approved'
         or (p_question.review = 'pending'
             and (p_reader_is_owner or p_question.asker_id = p_reader_id))
         or (p_question.review = 'rejected' and p_question.asker_id = p_reader_id))
$$;
comment on function chat.question_visible_to is
  'Whether a question is on p_reader_id''s board: approved ones for everyone, pending ones for their asker and owners (p_reader_is_owner), rejected ones for their asker only, dismissed ones for nobody.';

-- A room's board as the chat returns it (StoredQuestion in functions/_shared/protocol.ts), as one
-- JSON object per question that p_reader_id may see (question_visible_to): approved ones that are
-- not dismissed, their own or (for an owner) every pending one, and their own rejected ones. An
-- anonymous question never names its asker, to anyone; `mine` tells the asker which are theirs.
create or replace function chat.room_questions(
  p_room chat.room_name,
  p_reader_id text,
  p_reader_is_owner boolean
) returns table (question jsonb)
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
         )) as question
  from chat.questions as q
  where q.room = p_room
    and chat.question_visible_to(q, p_reader_id, p_reader_is_owner)
  order by q.votes desc, q.created_at, q.id
$$;
comment on function chat.room_questions is
  'A room''s board for one reader, by votes then age: approved questions that are not dismissed, plus pending ones for their asker and for owners, and rejected ones for their asker only (review rejected: so they can be told). Each as JSON {id, body, askerName (absent when anonymous), anonymous, mine, votes, myVote, state, review, answer, answeredAt, createdAt, editedAt, revision}: never the asker of an anonymous question.';

-- Upvoting (p_up) or taking the vote back, for the chat function: idempotent, under the room's
-- write lock. Refused while the person is blocked or Q&A is closed to them, on a question they
-- cannot see, on their own, and on one that takes no votes (answered, pending).
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
  select board.question into question
  from chat.room_questions(p_room, p_voter_id, p_voter_is_owner) as board
  where board.question ->> 'id' = p_id::text;
end
$$;
comment on function chat.vote_question is
  'Upvotes a question (p_up) or takes the vote back, for the chat function, under the room''s write lock; idempotent. Outcomes: voted, withdrawn, unchanged, not_found (no such question for this voter), own_question, closed (answered, pending or rejected), blocked (with block_reason), questions_off, owners_only. Returns the question as room_questions shows it to the voter.';

-- Editing, for the chat function: the asker changes the text of their question while it is open
-- and has no votes (a vote was cast for the text it had), under the room's write lock. Refused, as
-- asking would be, while the person is blocked or Q&A is closed to them: otherwise they would keep
-- publishing by editing. While the room's questions need approval, an edited question from anyone
-- but an owner waits for approval again: the owners approved the text it had, not the new one.
-- The trigger questions_touch sets edited_at.
create function chat.edit_question(
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
  select board.question into question
  from chat.room_questions(p_room, p_user_id, p_user_is_owner) as board
  where board.question ->> 'id' = p_id::text;
end
$$;
comment on function chat.edit_question is
  'Changes the text of one''s own question for the chat function, under the room''s write lock, while it is open (not being answered, answered or rejected) and has no votes; sets edited_at. While the room''s questions need approval, the edited question of anyone but an owner (p_user_is_owner) is pending again. Outcomes: edited, unchanged (the same text), not_found (no such question on this person''s board: question_visible_to), forbidden (not the asker), closed, blocked (with block_reason), questions_off, owners_only, has_votes. Returns the question as room_questions shows it to the person, for every outcome but not_found.';

-- Withdrawing, for the chat function: the asker deletes their question, with its votes. Always
-- allowed to the asker, even while blocked or while Q&A is closed: taking something away stays
-- allowed, as deleting one's message does. Nothing of it is kept (a dismissal keeps it in Studio).
create function chat.withdraw_question(
  p_id uuid,
  p_room chat.room_name,
  p_user_id text,
  out outcome text
)
language plpgsql
set search_path = ''
as $$
declare
  target chat.questions;
begin
  perform chat.lock_chat_room(p_room);
  select * into target from chat.questions where id = p_id and room = p_room;
  -- Seen as someone who is not an owner: only the asker may withdraw, and the asker sees their own.
  if not found or not chat.question_visible_to(target, p_user_id, false) then
    outcome := 'not_found';
  elsif target.asker_id <> p_user_id then
    outcome := 'forbidden';
  else
    delete from chat.questions where id = p_id;
    outcome := 'withdrawn';
  end if;
end
$$;
comment on function chat.withdraw_question is
  'Deletes one''s own question and its votes for the chat function, under the room''s write lock; allowed to the asker even while blocked or while Q&A is closed. Outcomes: withdrawn, not_found (no such question on this person''s board, a dismissed one included; also a second withdrawal), forbidden (not the asker).';

-- An owner's answer to a question, for the chat function (which checks the owner claim; the change
-- is credited to p_actor_id), under the room's write lock:
-- - answering: highlighted for everyone; the room's question being answered until now, if any,
--   goes back to open in the same transaction (one per room);
-- - answered, with an optional written answer (1 to 1000 characters, trimmed);
-- - open: back from answering, answered or dismissed, its answer cleared;
-- - dismissed: off every board (ops still see it in Studio).
-- A question that is not approved (pending, rejected) takes none of these: approving or rejecting
-- it is review_questions' job.
create function chat.set_question_state(
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
  select board.question into question
  from chat.room_questions(p_room, p_actor_id, true) as board
  where board.question ->> 'id' = p_id::text;
end
$$;
comment on function chat.set_question_state is
  'An owner marks a question of the room (p_state) answering (the room''s previous one goes back to open), answered (with p_answer, 1 to 1000 characters and trimmed, or null), open (its answer cleared) or dismissed, for the chat function, under the room''s write lock; credited to p_actor_id. Outcomes: changed, unchanged, not_found (no such question in the room), pending (not approved: pending or rejected; review_questions is for those), invalid_state (p_state not one of the four), invalid_answer (an answer out of bounds, untrimmed, or given with another state than answered). Returns the question as room_questions shows it to an owner: null for a dismissed one, which no board shows.';

-- Reviewing, for the chat function: an owner approves (p_approve) or rejects up to 100 pending
-- questions of the room at once (the function checks the owner claim; p_actor_id is credited),
-- under the room's write lock. One row per distinct id, in the order given: approved, rejected,
-- unchanged (the question is not pending: already reviewed, either way) or not_found (no such
-- question on an owner's board: another room's, a dismissed one, or none). An approved question
-- joins everyone's board; a rejected one leaves the owners' and stays on its asker's only, with
-- review rejected, so they can be told.
create function chat.review_questions(
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
      select target_id, result, (
        select board.question from chat.room_questions(p_room, p_actor_id, true) as board
        where board.question ->> 'id' = target_id::text
      );
  end loop;
end
$$;
comment on function chat.review_questions is
  'An owner approves (p_approve) or rejects 1 to 100 pending questions of the room at once, for the chat function, under the room''s write lock; credited to p_actor_id (reviewed_by). One row per distinct id, in the order given: its outcome (approved, rejected, unchanged: not pending; not_found: not in this room, dismissed, or none) and the question as room_questions shows it to an owner (null for a rejected one, which only its asker sees). Another number of ids is an error (SQLSTATE 22023).';

-- Owners' moderation of questions goes to moderation_log, whoever makes it (the chat or Studio):
-- approving and rejecting (credited to the reviewer), dismissing and undoing a dismissal (credited
-- to moderation_actor: the owner set_question_state declares, or the database user).
create function chat.questions_log_moderation() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.review is distinct from old.review and new.review in ('approved', 'rejected') then
    insert into chat.moderation_log (action, room, sender_id, actor, details)
    values (
      case when new.review = 'approved' then 'approve_question' else 'reject_question' end,
      new.room, new.asker_id,
      coalesce(case when new.reviewed_at is distinct from old.reviewed_at then new.reviewed_by end,
               chat.moderation_actor()),
      jsonb_build_object('question_id', new.id)
    );
  end if;
  if (new.state = 'dismissed') <> (old.state = 'dismissed') then
    insert into chat.moderation_log (action, room, sender_id, actor, details)
    values (
      case when new.state = 'dismissed' then 'dismiss_question' else 'restore_question' end,
      new.room, new.asker_id, chat.moderation_actor(), jsonb_build_object('question_id', new.id)
    );
  end if;
  return null;
end
$$;
comment on function chat.questions_log_moderation is
  'Trigger: writes approvals and rejections of questions (approve_question, reject_question) and their dismissals and undoing (dismiss_question, restore_question) to moderation_log, with the question''s id in details and its asker in sender_id.';

create trigger questions_log_moderation after update of review, state on chat.questions
  for each row execute function chat.questions_log_moderation();

call chat.lock_out_api_roles();
