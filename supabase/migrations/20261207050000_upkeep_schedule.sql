-- Upkeep that runs by itself: one pass at a time, files removed only when nothing refers to them,
-- and a schedule in the database. A pass (the chat function's POST /upkeep, the local stack's
-- timer, npm run retention; functions/chat/upkeep.ts) holds the upkeep lock, purges expired
-- messages (which queues their files in media_deletions in the same transaction), then removes
-- the queued files from Storage and only then unqueues them: a pass that stops halfway leaves the
-- rest queued, and the next pass starts with it. On Supabase, pg_cron runs the purge itself and
-- calls the upkeep route through pg_net for the files, with the secret kept in Vault
-- (chat.schedule_upkeep). Neither pg_cron, pg_net nor Vault is needed to apply this.

create function chat.try_lock_upkeep() returns boolean
language sql
volatile
set search_path = ''
as $$
  select pg_try_advisory_xact_lock(hashtextextended('backchannel.upkeep', 0))
$$;
comment on function chat.try_lock_upkeep is
  'Takes the upkeep lock until the calling transaction ends, if nobody holds it: true when taken. One upkeep pass at a time; transaction-scoped, so it works through a transaction pooler and is let go however the pass ends.';

create function chat.media_in_use(p_path text) returns boolean
language sql
stable
set search_path = ''
as $$
  -- An upload row means a file not sent yet (and not given up) or sent with a message that still
  -- exists. A message in the file's room that lists it (deleted ones too: they can be restored)
  -- covers files that came without an upload row.
  select exists (select 1 from chat.uploads where uploads.path = p_path)
      or exists (
        select 1 from chat.messages
        where messages.room = split_part(p_path, '/', 1)
          and messages.attachments @> jsonb_build_array(jsonb_build_object('path', p_path))
      )
$$;
comment on function chat.media_in_use is
  'Whether a file of the chat-media bucket is still needed: an upload not yet sent, or a message (deleted ones included, which can be restored) that refers to it. Upkeep never removes such a file.';

create function chat.schedule_upkeep(
  p_function_url text,
  p_retention_days integer default 30,
  p_schedule text default '17 * * * *',
  p_secret_name text default 'backchannel_upkeep_secret'
) returns bigint
language plpgsql
set search_path = ''
as $$
declare
  upkeep_url text;
  job_command text;
begin
  if to_regprocedure('cron.schedule(text,text,text)') is null then
    raise exception 'pg_cron is not enabled in this database'
      using hint = 'Enable the pg_cron extension (Dashboard: Integrations, Cron; or create extension pg_cron), then call chat.schedule_upkeep again.';
  end if;
  if to_regprocedure('net.http_post(text,jsonb,jsonb,jsonb,integer)') is null then
    raise exception 'pg_net is not enabled in this database'
      using hint = 'Enable the pg_net extension (Dashboard: Database, Extensions; or create extension pg_net with schema extensions), then call chat.schedule_upkeep again.';
  end if;
  if to_regclass('vault.decrypted_secrets') is null then
    raise exception 'Supabase Vault is not available in this database'
      using hint = 'The schedule reads the upkeep secret from Vault (vault.decrypted_secrets), which Supabase projects have.';
  end if;
  if not exists (select 1 from vault.decrypted_secrets where name = p_secret_name) then
    raise exception 'Vault has no secret named %', p_secret_name
      using hint = format('Store the chat function''s CHAT_UPKEEP_SECRET there first: select vault.create_secret(''<the secret>'', %L);', p_secret_name);
  end if;
  if p_function_url is null or p_function_url !~ '^https?://[^/\s]+(/\S*)?$' then
    raise exception 'Not the chat function''s URL: %', coalesce(p_function_url, 'null')
      using hint = 'Give it as https://<project-ref>.supabase.co/functions/v1/chat.';
  end if;
  if p_retention_days is null or p_retention_days < 1 then
    raise exception 'p_retention_days must be at least 1, got %', p_retention_days;
  end if;
  upkeep_url := regexp_replace(regexp_replace(p_function_url, '/+$', ''), '/upkeep$', '')
    || '/upkeep';
  -- One transaction when it runs: the purge commits with the files it queues, and pg_net sends
  -- the request only after that commit. The secret is read from Vault at each run, so it is
  -- never written in cron.job and a new one is used as soon as Vault has it.
  job_command := format(
    $command$select set_config('backchannel.actor', 'scheduled upkeep', true);
select chat.purge_expired_messages(%s);
select net.http_post(
  url := %L,
  body := '{}'::jsonb,
  headers := jsonb_build_object(
    'Content-Type', 'application/json',
    'Authorization', 'Bearer ' || (select decrypted_secret from vault.decrypted_secrets where name = %L)
  ),
  timeout_milliseconds := 60000
);$command$,
    p_retention_days, upkeep_url, p_secret_name);
  -- pg_cron replaces the job of the same name (of the same user): calling this again reschedules.
  return cron.schedule('backchannel-upkeep', p_schedule, job_command);
end
$$;
comment on function chat.schedule_upkeep is
  'Schedules upkeep with pg_cron as the job backchannel-upkeep (replacing it when it exists) and returns its job id: at each run, purges messages older than p_retention_days and POSTs to the chat function''s upkeep route (p_function_url, e.g. https://<ref>.supabase.co/functions/v1/chat) through pg_net, with the secret named p_secret_name read from Vault, so the function removes the queued files from Storage. Needs pg_cron, pg_net and Vault; remove with select cron.unschedule(''backchannel-upkeep'').';

call chat.lock_out_api_roles();
