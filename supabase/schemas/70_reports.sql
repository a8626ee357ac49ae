-- Reports: anyone in a room may report someone else's message with a short reason, once. Ops work
-- through the view chat.reported_messages in Studio and resolve a report by deleting the message,
-- blocking its sender, or dismissing it; every resolution is written to the moderation log. The
-- rules hold whoever writes (the chat function, Studio, SQL), because triggers keep them.

create table chat.reports (
  message_id uuid not null references chat.messages (id) on delete cascade,
  reporter_id text not null,
  reporter_name text not null,
  reason text not null,
  created_at timestamptz not null default now(),
  resolution text,
  resolved_at timestamptz,
  resolved_by text,
  constraint reports_pkey primary key (message_id, reporter_id),
  constraint reports_reporter_id_length check (char_length(reporter_id) between 1 and 128),
  constraint reports_reason_length check (char_length(reason) between 1 and 500),
  constraint reports_resolution check (
    resolution in ('dismissed', 'message_deleted', 'sender_blocked')
  ),
  constraint reports_resolved_together check ((resolution is null) = (resolved_at is null))
);
comment on table chat.reports is
  'Reports of chat messages: one per message and reporter. Open while resolution is null. To dismiss, set resolution to dismissed (or call chat.dismiss_reports); deleting the message or blocking its sender resolves its open reports by itself. Every resolution is logged in moderation_log.';
comment on column chat.reports.message_id is
  'The message reported; its reports go when it is purged.';
comment on column chat.reports.reporter_id is
  'Who reported it: the ud claim of their meeting token.';
comment on column chat.reports.reporter_name is 'The reporter''s display name when they reported.';
comment on column chat.reports.reason is 'Why, in the reporter''s words (1 to 500 characters).';
comment on column chat.reports.created_at is 'When it was reported.';
comment on column chat.reports.resolution is
  'null while open; dismissed, message_deleted or sender_blocked once resolved.';
comment on column chat.reports.resolved_at is 'When it was resolved (set by the database).';
comment on column chat.reports.resolved_by is
  'Who resolved it: a chat user id (a room owner deleting the message) or the database user (Studio, SQL).';
comment on index chat.reports_pkey is 'One report per message and reporter.';
create index reports_open on chat.reports (created_at desc) where resolution is null;
comment on index chat.reports_open is
  'The open reports, newest first (the view reported_messages).';
alter table chat.reports enable row level security;

-- Before a report is stored: the message must be visible, and not the reporter's own.
create function chat.reports_check_insert() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  target chat.messages;
begin
  select * into target from chat.messages where id = new.message_id;
  -- Someone else's private message is, for the reporter, no message at all.
  if not found or target.deleted_at is not null
     or not chat.message_visible_to(target, new.reporter_id) then
    -- SQLSTATE BCRNF: the chat function answers 404 message_not_found.
    raise exception 'message % is not a visible message', new.message_id using errcode = 'BCRNF';
  end if;
  if target.sender_id = new.reporter_id then
    -- SQLSTATE BCROW: the chat function answers 400 own_message.
    raise exception '% cannot report their own message %', new.reporter_id, new.message_id
      using errcode = 'BCROW';
  end if;
  new.resolution := null;
  new.resolved_at := null;
  new.resolved_by := null;
  return new;
end
$$;
comment on function chat.reports_check_insert is
  'Trigger: a report needs a message the reporter can see, not deleted (SQLSTATE BCRNF otherwise), that is not their own (SQLSTATE BCROW); it starts open.';

create trigger reports_check_insert before insert on chat.reports
  for each row execute function chat.reports_check_insert();

-- Resolving (or reopening) a report: stamped and logged, whoever does it.
create function chat.reports_log_resolution() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  target chat.messages;
begin
  if new.resolution is not distinct from old.resolution then
    return new;
  end if;
  if new.resolution is null then
    new.resolved_at := null;
    new.resolved_by := null;
  else
    new.resolved_at := clock_timestamp();
    new.resolved_by := coalesce(new.resolved_by, chat.moderation_actor());
  end if;
  select * into target from chat.messages where id = new.message_id;
  insert into chat.moderation_log (action, room, message_id, sender_id, actor, reason, details)
  values ('resolve_report', target.room, new.message_id, target.sender_id,
          coalesce(new.resolved_by, chat.moderation_actor()), old.reason,
          jsonb_build_object('resolution', new.resolution, 'reporter_id', new.reporter_id));
  return new;
end
$$;
comment on function chat.reports_log_resolution is
  'Trigger: stamps resolved_at and resolved_by when a report''s resolution changes, and writes it to moderation_log (action resolve_report, details: resolution and reporter).';

create trigger reports_log_resolution before update of resolution on chat.reports
  for each row execute function chat.reports_log_resolution();

-- Deleting a message resolves its open reports.
create function chat.messages_resolve_reports() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.deleted_at is not null and old.deleted_at is null then
    update chat.reports
    set resolution = 'message_deleted', resolved_by = new.deleted_by
    where message_id = new.id and resolution is null;
  end if;
  return null;
end
$$;
comment on function chat.messages_resolve_reports is
  'Trigger: a deleted message''s open reports are resolved (message_deleted).';

create trigger messages_resolve_reports after update of deleted_at on chat.messages
  for each row execute function chat.messages_resolve_reports();

-- Blocking a sender resolves the open reports of their messages (in the room, or everywhere).
create function chat.blocked_senders_resolve_reports() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  update chat.reports as report
  set resolution = 'sender_blocked', resolved_by = new.blocked_by
  from chat.messages as message
  where message.id = report.message_id and report.resolution is null
    and message.sender_id = new.sender_id
    and (new.room is null or message.room = new.room);
  return null;
end
$$;
comment on function chat.blocked_senders_resolve_reports is
  'Trigger: blocking a sender resolves the open reports of their messages (sender_blocked), in the blocked room or everywhere.';

create trigger blocked_senders_resolve_reports after insert on chat.blocked_senders
  for each row execute function chat.blocked_senders_resolve_reports();

-- For ops in the SQL editor: dismiss every open report of a message.
create function chat.dismiss_reports(p_message_id uuid) returns integer
language sql
set search_path = ''
as $$
  with dismissed as (
    update chat.reports set resolution = 'dismissed'
    where message_id = p_message_id and resolution is null
    returning 1
  )
  select count(*)::integer from dismissed
$$;
comment on function chat.dismiss_reports is
  'Dismisses every open report of a message (the message stays); returns how many. Each is logged in moderation_log.';

-- Studio: the messages with open reports, most recently reported first.
create view chat.reported_messages with (security_invoker = true) as
select message.id as message_id,
       message.room,
       message.sender_id,
       message.sender_name,
       message.body,
       message.deleted_at is not null as deleted,
       count(*)::integer as reports,
       string_agg(report.reporter_name || ': ' || report.reason, E'\n' order by report.created_at)
         as reasons,
       min(report.created_at) as first_reported_at,
       max(report.created_at) as last_reported_at
from chat.reports as report
join chat.messages as message on message.id = report.message_id
where report.resolution is null
group by message.id
order by max(report.created_at) desc;
comment on view chat.reported_messages is
  'Messages with open reports, most recently reported first. Resolve by deleting the message (set deleted_at in messages), blocking the sender (a row in blocked_senders), or dismissing (select chat.dismiss_reports(message_id)). Each resolution is logged in moderation_log.';
comment on column chat.reported_messages.message_id is 'The message (as in messages).';
comment on column chat.reported_messages.room is 'Its room.';
comment on column chat.reported_messages.sender_id is
  'Who wrote it (block them in blocked_senders).';
comment on column chat.reported_messages.sender_name is 'Their display name.';
comment on column chat.reported_messages.body is 'Its text.';
comment on column chat.reported_messages.deleted is
  'Whether it is deleted already (its reports then resolve).';
comment on column chat.reported_messages.reports is 'How many people reported it (open reports).';
comment on column chat.reported_messages.reasons is
  'Who reported it and why, one per line, oldest first.';
comment on column chat.reported_messages.first_reported_at is 'When it was first reported.';
comment on column chat.reported_messages.last_reported_at is 'When it was last reported.';
