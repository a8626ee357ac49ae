-- Files in chat: a message may carry up to 10 files (messages.attachments), stored in the private
-- Storage bucket chat-media. Every file the chat function grants an upload for is registered here
-- with who was granted it. A file can then be attached only by that person, to one message only;
-- a deleted message's files are no longer signed; files never attached are removed after a day
-- (90_retention.sql).

create table chat.uploads (
  path text primary key,
  room chat.room_name not null,
  uploader_id text not null,
  created_at timestamptz not null default now(),
  message_id uuid references chat.messages (id) on delete cascade,
  constraint uploads_path_in_room check (starts_with(path, room || '/'))
);
comment on table chat.uploads is
  'Files the chat function granted an upload for (bucket chat-media), one row per file. A file can be attached only by its uploader, to one message; files never attached are removed by retention after a day. Written by the chat function and by the messages trigger; do not edit.';
comment on column chat.uploads.path is
  'Object path in the chat-media bucket (<room>/<uuid>.<ext>), as in messages.attachments.';
comment on column chat.uploads.room is 'The room the upload was granted in.';
comment on column chat.uploads.uploader_id is
  'Who was granted the upload (the ud claim of their token, as in messages.sender_id): the only person who may attach it.';
comment on column chat.uploads.created_at is 'When the upload was granted.';
comment on column chat.uploads.message_id is
  'The message the file was sent with; null until it is sent. Once set, the file cannot be attached to another message. When that message is deleted, its files are no longer signed for anyone.';
alter table chat.uploads enable row level security;

create index uploads_message_idx on chat.uploads (message_id);
comment on index chat.uploads_message_idx is
  'Serves finding a message''s files (and dropping them with the message).';
create index uploads_unsent_created_idx on chat.uploads (created_at) where message_id is null;
comment on index chat.uploads_unsent_created_idx is
  'Serves retention: uploads never attached to a message, oldest first.';

-- Attaching a file claims its upload, where messages are stored, whichever path writes them. After
-- insert, so that an insert that does not happen (on conflict do nothing) claims nothing.
create function chat.messages_claim_uploads() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  file_path text;
  upload chat.uploads;
begin
  for file_path in select file ->> 'path' from jsonb_array_elements(new.attachments) as file loop
    -- Locked, so that of two messages claiming one file exactly one gets it.
    select * into upload from chat.uploads where path = file_path for update;
    if not found or upload.uploader_id <> new.sender_id or upload.room <> new.room then
      -- SQLSTATE BCFNY: the chat function answers it with 403 file_not_yours.
      raise exception 'file % was not uploaded by % in room %', file_path, new.sender_id, new.room
        using errcode = 'BCFNY', detail = file_path;
    end if;
    if upload.message_id is not null then
      -- SQLSTATE BCFSN: the chat function answers it with 409 file_already_sent.
      raise exception 'file % was already sent with message %', file_path, upload.message_id
        using errcode = 'BCFSN', detail = file_path;
    end if;
    update chat.uploads set message_id = new.id where path = file_path;
  end loop;
  return null;
end
$$;
comment on function chat.messages_claim_uploads is
  'Claims the uploads of a new message''s files: refuses files not uploaded by its sender in its room (BCFNY) and files already sent with another message (BCFSN).';

create trigger messages_claim_uploads after insert on chat.messages
  for each row when (jsonb_array_length(new.attachments) > 0)
  execute function chat.messages_claim_uploads();
