-- Media in chat: a message may carry files (up to 10) and then needs no text.

alter table public.messages drop constraint messages_body_length;
alter table public.messages add constraint messages_body_length check (
  char_length(body) <= 4000
  and (body ~ '\S' or (body = '' and jsonb_array_length(attachments) > 0))
);
alter table public.messages add constraint messages_attachments_at_most_10 check (
  jsonb_array_length(attachments) <= 10
);

comment on column public.messages.body is
  'Message text as sent (trimmed), up to 4000 characters; empty only when the message carries files.';
comment on column public.messages.attachments is
  'Files attached to the message (at most 10): a JSON array of {path, name, type, size, width?, height?}. path is the object in the private Storage bucket chat-media (<room>/<uuid>.<ext>); name is what the sender called the file. [] when none.';
