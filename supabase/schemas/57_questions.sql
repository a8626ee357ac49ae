-- Q&A (issue 22): questions people ask the room's hosts (chat.questions), apart from the chat, and
-- one upvote per person and question (chat.question_votes). A board lists a room's questions by
-- votes, then by age. The rules hold whoever writes (the chat, Studio), by triggers and checks:
-- - a vote goes only on an approved question that is still open or being answered, never on one's
--   own, and keeps the question's vote count, under the room's write lock (so votes cast at the
--   same moment all count);
-- - at most one question per room is being answered now;
-- - every change gives the question a new revision, so open clients catch up by revision;
-- - owners' approvals, rejections and dismissals are written to moderation_log.
-- The chat function asks, votes, edits, withdraws, answers and reviews through one function each
-- (ask_question, vote_question, edit_question, withdraw_question, set_question_state,
-- review_questions), each under the room's write lock, each answering an outcome.
-- Who asked is kept for moderation even when the asker chose to be anonymous: the chat never
-- returns it for an anonymous question (room_questions), to anyone, owners included; ops see it
-- here in Studio. Who voted is kept for the one-vote rule: the chat answers counts, and each
-- reader whether they voted.

create sequence chat.questions_revision_seq;
comment on sequence chat.questions_revision_seq is
  'Revisions of questions: each change of a question (its text, state, review, answer or votes) takes the next one.';

create table chat.questions (
  id uuid not null,
  room chat.room_name not null,
  asker_id text not null,
  asker_name text not null,
  anonymous boolean not null default false,
  body text not null,
  created_at timestamptz not null default now(),
  edited_at timestamptz,
  state text not null default 'open',
  review text not null default 'approved',
  reviewed_at timestamptz,
  reviewed_by text,
  answer text,
  answered_at timestamptz,
  answered_by text,
  votes integer not null default 0,
  revision bigint not null default nextval('chat.questions_revision_seq'),
  constraint questions_pkey primary key (id),
  constraint questions_asker_id_length check (char_length(asker_id) between 1 and 128),
  constraint questions_asker_name_length check (char_length(asker_name) between 1 and 100),
  -- MAX_QUESTION_CHARS in functions/_shared/protocol.ts.
  constraint questions_body_length check (
    char_length(body) between 1 and 500 and body = btrim(body)
  ),
  constraint questions_state check (state in ('open', 'answering', 'answered', 'dismissed')),
  constraint questions_review check (review in ('pending', 'approved', 'rejected')),
  -- Reviewed: approved or rejected by someone. A question that needed no approval is approved
  -- without a review.
  constraint questions_reviewed_together check (
    (reviewed_at is null) = (reviewed_by is null)
    and (review <> 'pending' or reviewed_at is null)
    and (review <> 'rejected' or reviewed_at is not null)
  ),
  -- Only an approved question is answered, or being answered.
  constraint questions_answering_approved check (
    review = 'approved' or state in ('open', 'dismissed')
  ),
  constraint questions_answer_length check (char_length(answer) between 1 and 1000),
  constraint questions_answer_when_answered check (answer is null or state = 'answered'),
  constraint questions_answered_together check (
    (state = 'answered') = (answered_at is not null) and (answered_at is null) = (answered_by is null)
  ),
  constraint questions_votes_positive check (votes >= 0)
);
comment on table chat.questions is
  'Questions asked in a room''s Q&A, apart from the chat. People upvote them (question_votes); owners mark one as being answered, answer (optionally in writing) or dismiss them, and approve or reject them while the room''s questions need approval. To remove a question, dismiss it (state dismissed) or delete its row.';
comment on column chat.questions.id is 'Question id, chosen by the asker''s client: a retry of the same question is stored once.';
comment on column chat.questions.room is 'The room (Daily''s room name).';
comment on column chat.questions.asker_id is
  'Who asked: the ud claim of their Daily meeting token. Kept for moderation even for an anonymous question; the chat never shows it then.';
comment on column chat.questions.asker_name is
  'The asker''s display name when they asked. Never shown in the chat for an anonymous question.';
comment on column chat.questions.anonymous is
  'Whether the asker hid their name from everyone in the call, owners included (allowed when the room''s anonymous_questions is on).';
comment on column chat.questions.body is 'The question: 1 to 500 characters.';
comment on column chat.questions.created_at is 'When it was asked; the board''s order among equal votes (older first).';
comment on column chat.questions.edited_at is 'When the asker last edited it (allowed until it has votes).';
comment on column chat.questions.state is
  'open, answering (an owner is answering it now: highlighted for everyone; one per room at most), answered, or dismissed (hidden from the board).';
comment on column chat.questions.review is
  'approved (on the board), pending (waiting for an owner, while the room''s questions need approval: only its asker and the owners see it) or rejected (hidden again; its asker is told).';
comment on column chat.questions.reviewed_at is 'When an owner approved or rejected it; empty while pending, and for a question that needed no approval.';
comment on column chat.questions.reviewed_by is 'Who approved or rejected it: an owner''s user id, or the database user in Studio.';
comment on column chat.questions.answer is 'An owner''s written answer (1 to 1000 characters), if they gave one; only for an answered question.';
comment on column chat.questions.answered_at is 'When it was marked answered.';
comment on column chat.questions.answered_by is 'Who marked it answered: an owner''s user id, or the database user in Studio.';
comment on column chat.questions.votes is
  'How many people upvote it: kept by question_votes (its triggers), never written by hand.';
comment on column chat.questions.revision is
  'Taken from questions_revision_seq at each change: open clients catch up on what changed after the revision they hold.';
alter table chat.questions enable row level security;

create index questions_board_idx on chat.questions (room, votes desc, created_at, id);
comment on index chat.questions_board_idx is
  'Serves a room''s board: its questions by votes, then by age.';

create unique index questions_one_answering_idx on chat.questions (room) where state = 'answering';
comment on index chat.questions_one_answering_idx is
  'At most one question per room is being answered now.';

create table chat.question_votes (
  question_id uuid not null references chat.questions (id) on delete cascade,
  voter_id text not null,
  voted_at timestamptz not null default now(),
  -- One upvote per person and question.
  constraint question_votes_pkey primary key (question_id, voter_id),
  constraint question_votes_voter_id_length check (char_length(voter_id) between 1 and 128)
);
comment on table chat.question_votes is
  'Upvotes of questions: one row per question and person. The chat shows counts (questions.votes) and each person whether they voted, never who else did. To take a vote back, delete its row.';
comment on column chat.question_votes.question_id is 'The question (questions.id); its votes go with it.';
comment on column chat.question_votes.voter_id is 'Who voted: the ud claim of their Daily meeting token.';
comment on column chat.question_votes.voted_at is 'When they voted.';
comment on index chat.question_votes_pkey is
  'One vote per question and person; serves finding a person''s own votes on a board.';
alter table chat.question_votes enable row level security;

-- Every change of a question takes a new revision and, for a change of its text, edited_at. A
-- change that changes nothing takes none.
create function chat.questions_touch() returns trigger
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

create trigger questions_touch before update on chat.questions
  for each row execute function chat.questions_touch();

-- Before a vote is stored: the question must be approved and open or being answered, and not the
-- voter's own. The room lock first, so that votes queue behind the room's writes and each other.
create function chat.question_votes_check() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  target chat.questions;
begin
  select * into target from chat.questions where id = new.question_id;
  perform chat.lock_chat_room(target.room);
  -- Again under the lock: a state changed while this vote waited for it counts.
  select * into target from chat.questions where id = new.question_id;
  if target.review <> 'approved' or target.state not in ('open', 'answering') then
    -- SQLSTATE BCQVT: the chat function refuses such votes before they get here.
    raise exception 'question % takes no votes', new.question_id using errcode = 'BCQVT';
  end if;
  if target.asker_id = new.voter_id then
    raise exception 'question % is the voter''s own', new.question_id using errcode = 'BCQVT';
  end if;
  return new;
end
$$;
comment on function chat.question_votes_check is
  'Trigger: a vote goes only on an approved question that is open or being answered, and never on the voter''s own (SQLSTATE BCQVT otherwise).';

create trigger question_votes_check before insert on chat.question_votes
  for each row execute function chat.question_votes_check();

-- After a vote is cast or taken back: the question's count follows, in the same transaction. When
-- the question itself is being deleted (the cascade), there is nothing left to count.
create function chat.question_votes_count() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  update chat.questions
  set votes = votes + case when tg_op = 'INSERT' then 1 else -1 end
  where id = coalesce(new.question_id, old.question_id);
  return null;
end
$$;
comment on function chat.question_votes_count is
  'Trigger: keeps questions.votes equal to the question''s rows in question_votes.';

create trigger question_votes_count after insert or delete on chat.question_votes
  for each row execute function chat.question_votes_count();

-- Who may ask in a room now, by its settings: questions 'chat' follows who may send (so chat off
-- also closes Q&A), otherwise Q&A is set on its own.
create function chat.room_question_refusal(p_room chat.room_name, p_is_owner boolean)
returns text
language sql
stable
set search_path = ''
as $$
  select case coalesce(settings.questions, 'chat')
    when 'chat' then case
      when settings.send = 'nobody' then 'questions_off'
      when settings.send = 'owners' and not p_is_owner then 'owners_only'
    end
    when 'nobody' then 'questions_off'
    when 'owners' then case when not p_is_owner then 'owners_only' end
  end
  from (select) as always
  left join chat.room_settings as settings on settings.room = p_room
$$;
comment on function chat.room_question_refusal is
  'Why a person may not ask or vote in a room''s Q&A now: questions_off, owners_only (p_is_owner false), or null when they may. Follows who may send while the room''s questions setting is chat.';

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

-- One question as p_reader_id sees it (StoredQuestion in functions/_shared/protocol.ts): never
-- the asker of an anonymous question; `mine` and `myVote` are the reader's own. Who may see it at
-- all is question_visible_to's to say.
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

-- One question of a room as p_reader_id sees it, or null when they may not see it: what every
-- write answers, without building the room's whole board.
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

-- A room's board as the chat returns it (StoredQuestion in functions/_shared/protocol.ts), as one
-- JSON object per question that p_reader_id may see (question_visible_to): approved ones that are
-- not dismissed, their own or (for an owner) every pending one, and their own rejected ones. An
-- anonymous question never names its asker, to anyone; `mine` tells the asker which are theirs.
create function chat.room_questions(
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

-- Asking, for the chat function: under the room's write lock; refused, as sending would be, while
-- the person is blocked or Q&A is closed to them, and when they ask anonymously where the room does
-- not allow it. While the room's questions need approval, a question from anyone but an owner
-- waits as pending. Idempotent by id: the same asker and text answer the stored question.
create function chat.ask_question(
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

-- Upvoting (p_up) or taking the vote back, for the chat function: idempotent, under the room's
-- write lock. Refused while the person is blocked or Q&A is closed to them, on a question they
-- cannot see, on their own, and on one that takes no votes (answered, pending).
create function chat.vote_question(
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
  question := chat.question_seen_by(p_id, p_room, p_user_id, p_user_is_owner);
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
  question := chat.question_seen_by(p_id, p_room, p_actor_id, true);
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
      select target_id, result, chat.question_seen_by(target_id, p_room, p_actor_id, true);
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

-- For ops in Studio: every question with who asked it, anonymous or not.
create view chat.question_board with (security_invoker = true) as
select id, room, body, votes, state, review, anonymous, asker_id, asker_name,
       answer, created_at, edited_at, reviewed_at, reviewed_by, answered_at, answered_by
from chat.questions
order by room, votes desc, created_at;
comment on view chat.question_board is
  'Every room''s questions, most voted first: with who asked (also for anonymous questions, which the chat never names), their review (pending ones wait for an owner) and state. To remove one from the board, set state to dismissed in questions.';
comment on column chat.question_board.id is 'Question id (as in questions).';
comment on column chat.question_board.room is 'The room it was asked in.';
comment on column chat.question_board.body is 'The question.';
comment on column chat.question_board.votes is 'How many people upvote it.';
comment on column chat.question_board.state is 'open, answering, answered or dismissed.';
comment on column chat.question_board.review is 'approved, pending (waiting for an owner) or rejected.';
comment on column chat.question_board.anonymous is 'Whether the asker hid their name in the call.';
comment on column chat.question_board.asker_id is 'Who asked (their user id), anonymous or not: block them in blocked_senders.';
comment on column chat.question_board.asker_name is 'The asker''s display name, anonymous or not.';
comment on column chat.question_board.answer is 'An owner''s written answer, if any.';
comment on column chat.question_board.created_at is 'When it was asked.';
comment on column chat.question_board.edited_at is 'When the asker last edited it, if ever.';
comment on column chat.question_board.reviewed_at is 'When an owner approved or rejected it.';
comment on column chat.question_board.reviewed_by is 'Who approved or rejected it.';
comment on column chat.question_board.answered_at is 'When it was marked answered.';
comment on column chat.question_board.answered_by is 'Who marked it answered.';
