-- Search: full-text search of a room's messages, in the database. Each message's words are kept
-- in a generated column (`search`), with the `simple` configuration: lower-cased words, no
-- stemming and no stop words, so it works the same for every language people write in. The index
-- is on the room and the words together (btree_gin), so a search reads one room's matches only.

create schema if not exists extensions;
comment on schema extensions is 'Extensions (Supabase keeps them here).';
create extension if not exists btree_gin with schema extensions;

alter table chat.messages
  add column search tsvector generated always as (to_tsvector('simple'::regconfig, body)) stored;
comment on column chat.messages.search is
  'The words of body for full-text search (simple configuration: lower case, no stemming), kept by the database. Read-only.';

create index messages_search on chat.messages
  using gin (room extensions.text_ops, search);
comment on index chat.messages_search is
  'Full-text search within a room: GET /rooms/:room/search.';
