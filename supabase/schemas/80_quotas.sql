-- Quotas: how often one person (or one client address) may do something, counted in the database
-- so that a limit holds however many function instances run. Messages keep their own rate limit
-- (persist_chat_message counts a sender's recent messages); everything else is counted here.

create table chat.action_quotas (
  action text not null,
  subject text not null,
  window_start timestamptz not null,
  used integer not null,
  constraint action_quotas_pkey primary key (action, subject, window_start),
  constraint action_quotas_used_positive check (used > 0)
);
comment on table chat.action_quotas is
  'Quota counters of the chat function: how many times a subject did an action in a fixed time window. Rows of past windows serve nothing; retention removes them. Safe to empty at any time (it forgives everyone).';
comment on column chat.action_quotas.action is
  'What was done: upload, edit (edits and deletions), token (joining an open room), transcript, reaction, report, settings, pin or poll_vote (votes in polls, taking them back, closing polls).';
comment on column chat.action_quotas.subject is
  'Who did it: a user id (the ud claim), or for tokens the client address.';
comment on column chat.action_quotas.window_start is
  'Start of the fixed window counted (a multiple of the window length since 1970).';
comment on column chat.action_quotas.used is 'Attempts in that window, refused ones included.';
alter table chat.action_quotas enable row level security;

create index action_quotas_window_idx on chat.action_quotas (window_start);
comment on index chat.action_quotas_window_idx is
  'Serves retention: removing the counters of windows long past.';

create function chat.take_action_quota(
  p_action text,
  p_subject text,
  p_limit integer,
  p_window_seconds integer
) returns integer
language plpgsql
set search_path = ''
as $$
declare
  now_epoch double precision := extract(epoch from clock_timestamp());
  current_window timestamptz := to_timestamp(floor(now_epoch / p_window_seconds) * p_window_seconds);
  used_now integer;
begin
  if p_limit < 1 or p_window_seconds < 1 then
    raise exception 'quota limit and window must be positive, got % per % s', p_limit, p_window_seconds;
  end if;
  -- One statement, atomic under concurrency: concurrent attempts queue on the counter's row.
  insert into chat.action_quotas as quota (action, subject, window_start, used)
  values (p_action, p_subject, current_window, 1)
  on conflict (action, subject, window_start) do update set used = quota.used + 1
  returning quota.used into used_now;
  if used_now <= p_limit then
    return 0;
  end if;
  return greatest(1, ceil((extract(epoch from current_window) + p_window_seconds - now_epoch) * 1000))::integer;
end
$$;
comment on function chat.take_action_quota is
  'Counts one attempt of an action by a subject in the current fixed window. Returns 0 when within p_limit per p_window_seconds, else the milliseconds until the window ends (answered as 429 with Retry-After).';
