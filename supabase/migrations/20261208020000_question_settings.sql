-- Q&A (issue 22): owners set the room's Q&A rules from the chat, with its other settings.
-- save_room_settings takes the three rules (each null keeps the room's as it is); its earlier
-- signature goes, as nothing has been released. supabase/schemas/40_room_settings.sql holds the same.

drop function chat.save_room_settings(
  chat.room_name, text, integer, boolean, text, integer, integer, text
);

-- For the chat function: an owner sets a room's settings (credited to them in updated_by). A null
-- p_retention_kind leaves the room's retention as it is, and a null Q&A rule (p_questions,
-- p_anonymous_questions, p_questions_need_approval) leaves that rule as it is (a client that does
-- not send them).
create function chat.save_room_settings(
  p_room chat.room_name,
  p_send text,
  p_slow_mode_seconds integer,
  p_private_messages boolean,
  p_retention_kind text,
  p_retention_days integer,
  p_retention_grace_minutes integer,
  p_questions text,
  p_anonymous_questions boolean,
  p_questions_need_approval boolean,
  p_actor text
) returns chat.room_settings
language plpgsql
set search_path = ''
as $$
declare
  saved chat.room_settings;
begin
  perform set_config('backchannel.actor', p_actor, true);
  insert into chat.room_settings as current (
    room, send, slow_mode_seconds, private_messages,
    retention_kind, retention_days, retention_grace_minutes,
    questions, anonymous_questions, questions_need_approval
  )
  values (
    p_room, p_send, p_slow_mode_seconds, p_private_messages,
    coalesce(p_retention_kind, 'default'),
    case when p_retention_kind is null then null else p_retention_days end,
    case when p_retention_kind is null then null else p_retention_grace_minutes end,
    coalesce(p_questions, 'chat'),
    coalesce(p_anonymous_questions, false),
    coalesce(p_questions_need_approval, false)
  )
  on conflict (room) do update
    set send = excluded.send,
        slow_mode_seconds = excluded.slow_mode_seconds,
        private_messages = excluded.private_messages,
        retention_kind = coalesce(p_retention_kind, current.retention_kind),
        retention_days = case
          when p_retention_kind is null then current.retention_days else p_retention_days end,
        retention_grace_minutes = case
          when p_retention_kind is null then current.retention_grace_minutes
          else p_retention_grace_minutes end,
        questions = coalesce(p_questions, current.questions),
        anonymous_questions = coalesce(p_anonymous_questions, current.anonymous_questions),
        questions_need_approval = coalesce(p_questions_need_approval, current.questions_need_approval)
  returning * into saved;
  return saved;
end
$$;
comment on function chat.save_room_settings is
  'Sets a room''s chat settings for the chat function, credited to p_actor (the owner''s user id). Retention: p_retention_kind default, days (with p_retention_days) or call (with p_retention_grace_minutes); null keeps the room''s retention as it is. Q&A: p_questions (chat, everyone, owners, nobody), p_anonymous_questions, p_questions_need_approval; each null keeps the room''s as it is. The table''s checks refuse values out of range.';

call chat.lock_out_api_roles();
