-- One HTTP request, as PostgREST v12 runs it (src/PostgREST/Query.hs, runQuery): one transaction,
-- the settings, the call, COMMIT, or ABORT after an error. Run by run.sh after settings.sql, with
-- these psql variables set: search_path role claims method path headers cookies (the settings),
-- stmt (which PREPAREd call of call.sql) and args (its json argument).
--
-- It prints one line for run.sh:
--   ok|<next_cursor>|<has_more>|<prev_cursor>|<has_previous>|<ids>|<tenants>   (HTTP 200)
--   error|<SQLSTATE>                                                           (run.sh maps it)
-- The `ok` line is read from the response body after COMMIT, as an HTTP client parses it.

BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
EXECUTE pgrst_locals(:'search_path', :'role', :'claims', :'method', :'path', :'headers', :'cookies') \g /dev/null
\if :ERROR
  \echo error|:LAST_ERROR_SQLSTATE
  ABORT;
\else
  -- A connection's first request prepares the calls here, after the role switch, as hasql sends
  -- its Parse on first use (pgrst_prepared is a psql variable: client-side, no SQL).
  \if :{?pgrst_prepared}
  \else
    \ir call.sql
    \set pgrst_prepared true
  \endif
  EXECUTE :stmt(:'args') \gset pgrst_
  \if :ERROR
    \echo error|:LAST_ERROR_SQLSTATE
    ABORT;
  \else
    COMMIT;
    -- The client's side: the body is a JSON array with keyset_page's one row.
    select 'ok', p->>'next_cursor', p->>'has_more', p->>'prev_cursor', p->>'has_previous',
           (select coalesce(string_agg(r->>'id', ',' order by o), '') from json_array_elements(p->'rows') with ordinality r(r, o)),
           (select coalesce(string_agg(distinct r->>'tenant', ','), '') from json_array_elements(p->'rows') r)
    from json_array_elements(:'pgrst_body'::json) p;
  \endif
\endif
