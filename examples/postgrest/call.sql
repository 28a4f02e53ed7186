-- The call PostgREST v12.2.12 sends for `GET /rpc/keyset_page?...` and `POST /rpc/keyset_page`,
-- PREPAREd (sources: see settings.sql). request.sql PREPAREs these on a connection's first request,
-- inside that request's transaction after the settings, as hasql sends its Parse on first use: the
-- call names the schema "keyset", which the login role (authenticator, NOINHERIT) may not use, only
-- the role it has switched to.
--
-- The call (Statements.hs prepareCall, QueryBuilder.hs callPlanToQuery and readPlanToQuery).
--    Its text depends on which arguments the request names (PostgREST passes only those, so the
--    function's defaults apply to the rest); $1 is the arguments as json:
--      GET  /rpc/keyset_page?relation=documents&sort=created_at&direction=desc&page_size=25
--           $1 = {"relation":"documents","sort":"created_at","direction":"desc","page_size":"25"}
--           (every value a JSON string; json_to_record reads each with its parameter's type)
--      POST /rpc/keyset_page  {"relation": "documents", ..., "page_size": 25, "filter": {...}}
--           $1 = the body as sent
--    It returns one row whose `body` is the HTTP response body: a JSON array holding
--    keyset_page's one row (Accept: application/json). response_headers and response_status are
--    NULL unless the function set them.

-- GET ...?relation=&sort=&direction=&page_size=            (the first page)
PREPARE pgrst_call_first(json) AS WITH pgrst_source AS (SELECT "pgrst_call".* FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT "relation", "sort", "direction", "page_size" FROM json_to_record(pgrst_payload.json_data) AS _("relation" regclass, "sort" text, "direction" text, "page_size" integer) LIMIT 1) pgrst_body , LATERAL "keyset"."keyset_page"("relation" := pgrst_body."relation", "sort" := pgrst_body."sort", "direction" := pgrst_body."direction", "page_size" := pgrst_body."page_size") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "keyset_page".* FROM "pgrst_source" AS "keyset_page"     ) _postgrest_t;

-- GET ...?relation=&sort=&direction=&after=&page_size=     (the next page: after = next_cursor)
PREPARE pgrst_call_after(json) AS WITH pgrst_source AS (SELECT "pgrst_call".* FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT "relation", "sort", "direction", "after", "page_size" FROM json_to_record(pgrst_payload.json_data) AS _("relation" regclass, "sort" text, "direction" text, "after" text, "page_size" integer) LIMIT 1) pgrst_body , LATERAL "keyset"."keyset_page"("relation" := pgrst_body."relation", "sort" := pgrst_body."sort", "direction" := pgrst_body."direction", "after" := pgrst_body."after", "page_size" := pgrst_body."page_size") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "keyset_page".* FROM "pgrst_source" AS "keyset_page"     ) _postgrest_t;

-- GET ...?relation=&sort=&direction=&page_size=&before=    (the previous page: before = prev_cursor)
PREPARE pgrst_call_before(json) AS WITH pgrst_source AS (SELECT "pgrst_call".* FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT "relation", "sort", "direction", "page_size", "before" FROM json_to_record(pgrst_payload.json_data) AS _("relation" regclass, "sort" text, "direction" text, "page_size" integer, "before" text) LIMIT 1) pgrst_body , LATERAL "keyset"."keyset_page"("relation" := pgrst_body."relation", "sort" := pgrst_body."sort", "direction" := pgrst_body."direction", "page_size" := pgrst_body."page_size", "before" := pgrst_body."before") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "keyset_page".* FROM "pgrst_source" AS "keyset_page"     ) _postgrest_t;

-- GET ...?relation=&sort=&direction=&page_size=&filter=    (a filter in a query string arrives as
-- a JSON *string*, which json_to_record keeps as a jsonb string: keyset_page wants an object and
-- refuses it, 22023, so 400. Send filters with POST.)
PREPARE pgrst_call_filter(json) AS WITH pgrst_source AS (SELECT "pgrst_call".* FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT "relation", "sort", "direction", "page_size", "filter" FROM json_to_record(pgrst_payload.json_data) AS _("relation" regclass, "sort" text, "direction" text, "page_size" integer, "filter" jsonb) LIMIT 1) pgrst_body , LATERAL "keyset"."keyset_page"("relation" := pgrst_body."relation", "sort" := pgrst_body."sort", "direction" := pgrst_body."direction", "page_size" := pgrst_body."page_size", "filter" := pgrst_body."filter") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "keyset_page".* FROM "pgrst_source" AS "keyset_page"     ) _postgrest_t;

-- POST /rpc/keyset_page with the keys relation, sort, direction, after, page_size, before, filter
-- (a client that always sends these seven keys, null where unused, gets one statement for every
-- page in both directions; a null argument means the function's default)
PREPARE pgrst_call_all(json) AS WITH pgrst_source AS (SELECT "pgrst_call".* FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT "relation", "sort", "direction", "after", "page_size", "before", "filter" FROM json_to_record(pgrst_payload.json_data) AS _("relation" regclass, "sort" text, "direction" text, "after" text, "page_size" integer, "before" text, "filter" jsonb) LIMIT 1) pgrst_body , LATERAL "keyset"."keyset_page"("relation" := pgrst_body."relation", "sort" := pgrst_body."sort", "direction" := pgrst_body."direction", "after" := pgrst_body."after", "page_size" := pgrst_body."page_size", "before" := pgrst_body."before", "filter" := pgrst_body."filter") pgrst_call) SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, coalesce(json_agg(_postgrest_t), '[]') AS body, nullif(current_setting('response.headers', true), '') AS response_headers, nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted FROM (SELECT "keyset_page".* FROM "pgrst_source" AS "keyset_page"     ) _postgrest_t;
