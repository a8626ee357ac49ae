-- Last, once everything exists: nobody but the owner may use anything in chat (00_schema.sql).
call chat.lock_out_api_roles();
