-- The SQL declarations of every pg_keyset function, in one place (the Rust functions behind them
-- are in src/api.rs; pgrx names each C symbol <function>_wrapper). Argument names avoid
-- PostgREST's reserved query-string words (order, limit, ...), so the same names work from SQL,
-- named-argument calls and PostgREST RPC. The keyset functions share their first eight
-- arguments, in this order; NULL means the argument's default.

-- cursor_encode takes "any" (pgrx only knows anyelement, which refuses untyped literals such as
-- cursor_encode('name', 'asc', 'x', 9) and would force value and id into related types).
CREATE FUNCTION cursor_encode(sort text, direction text, value "any", id "any")
RETURNS text IMMUTABLE PARALLEL SAFE LANGUAGE c
AS 'MODULE_PATHNAME', 'cursor_encode_wrapper';

CREATE FUNCTION cursor_decode(cursor text)
RETURNS TABLE (sort text, direction text, value text, id text, more_values text[], digest text)
IMMUTABLE STRICT PARALLEL SAFE ROWS 1 LANGUAGE c
AS 'MODULE_PATHNAME', 'cursor_decode_wrapper';

-- ROWS 1 is the truth and matters: with the default estimate of 1000 rows, a recursive walk over
-- pages was costed high enough to trigger JIT, which took 100 ms of a 104 ms query.
CREATE FUNCTION keyset_page(
    relation regclass,
    sort text DEFAULT NULL,
    direction text DEFAULT 'asc',
    after text DEFAULT NULL,
    page_size integer DEFAULT NULL,
    before text DEFAULT NULL,
    filter jsonb DEFAULT NULL,
    key text DEFAULT NULL
) RETURNS TABLE (rows json, next_cursor text, has_more boolean, prev_cursor text, has_previous boolean)
STABLE PARALLEL RESTRICTED SECURITY INVOKER ROWS 1 LANGUAGE c
AS 'MODULE_PATHNAME', 'keyset_page_wrapper';

CREATE FUNCTION keyset_rows(
    row_type anyelement,
    sort text DEFAULT NULL,
    direction text DEFAULT 'asc',
    after text DEFAULT NULL,
    page_size integer DEFAULT NULL,
    before text DEFAULT NULL,
    filter jsonb DEFAULT NULL,
    key text DEFAULT NULL
) RETURNS SETOF anyelement
STABLE PARALLEL RESTRICTED SECURITY INVOKER ROWS 20 LANGUAGE c
AS 'MODULE_PATHNAME', 'keyset_rows_wrapper';

CREATE FUNCTION keyset_page_info(
    relation regclass,
    sort text DEFAULT NULL,
    direction text DEFAULT 'asc',
    after text DEFAULT NULL,
    page_size integer DEFAULT NULL,
    before text DEFAULT NULL,
    filter jsonb DEFAULT NULL,
    key text DEFAULT NULL
) RETURNS TABLE (next_cursor text, has_more boolean, prev_cursor text, has_previous boolean)
STABLE PARALLEL RESTRICTED SECURITY INVOKER ROWS 1 LANGUAGE c
AS 'MODULE_PATHNAME', 'keyset_page_info_wrapper';

-- VOLATILE because Postgres refuses EXPLAIN inside a non-volatile function. The SET clauses:
-- SPI never plans the page query parallel; keyset_page runs its generic plan; a float literal
-- reads back exactly.
CREATE FUNCTION keyset_explain(
    relation regclass,
    sort text DEFAULT NULL,
    direction text DEFAULT 'asc',
    after text DEFAULT NULL,
    page_size integer DEFAULT NULL,
    before text DEFAULT NULL,
    filter jsonb DEFAULT NULL,
    key text DEFAULT NULL,
    with_analyze boolean DEFAULT false
) RETURNS TABLE (sql text, plan text, resolved_key text, key_source text)
VOLATILE PARALLEL RESTRICTED SECURITY INVOKER ROWS 1 LANGUAGE c
SET max_parallel_workers_per_gather = 0 SET plan_cache_mode = force_generic_plan
SET extra_float_digits = 3
AS 'MODULE_PATHNAME', 'keyset_explain_wrapper';

-- `\df+` descriptions.
COMMENT ON FUNCTION cursor_encode(text, text, "any", "any") IS
'Mints an opaque, URL-safe cursor (base64url JSON {"s","o","v","id"}) for a boundary row: sort field, direction (asc/desc), the row''s sort value (its SQL type picks the encoding: timestamps as Unix microseconds; NULL allowed) and its tiebreak id.';
COMMENT ON FUNCTION cursor_decode(text) IS
'Decodes and validates a cursor into its sort field (the first sort column), direction, value (NULL for a NULL boundary) and id (the last key column), and for multi-column, composite-key or filtered listings more_values (the columns between the first one and the last) and digest; ERROR 22023 with a DETAIL for any malformed or tampered cursor.';
COMMENT ON FUNCTION keyset_page(regclass, text, text, text, integer, text, jsonb, text) IS
'One keyset page of a table, partitioned table, view or materialized view: rows (json array, each row as row_to_json renders it, in the relation''s column order), next_cursor/has_more (rows follow) and prev_cursor/has_previous (rows precede). sort: columns as in ORDER BY, e.g. ''priority desc nulls last, created_at'' (default: the key), tiebroken by the key; direction: asc/desc for columns that do not say; after: a next_cursor; before: a prev_cursor; page_size: default 20, at most pg_keyset.max_page_size; filter: jsonb such as {"status": "active", "price": {"<": 100}}, bound into the cursor; key: the unique columns that break ties, e.g. ''tenant_id, id'' (default: the primary key, else the narrowest usable unique index, else for a simple view its table''s key).';
COMMENT ON FUNCTION keyset_rows(anyelement, text, text, text, integer, text, jsonb, text) IS
'The same page as keyset_page, as typed rows: SELECT * FROM keyset_rows(NULL::my_table, sort, direction, after, page_size, before, filter, key). Its cursors and flags come from keyset_page_info with the same arguments.';
COMMENT ON FUNCTION keyset_page_info(regclass, text, text, text, integer, text, jsonb, text) IS
'next_cursor, has_more, prev_cursor and has_previous of the page keyset_page / keyset_rows would return for the same arguments, computed from the sort and key columns alone.';
COMMENT ON FUNCTION keyset_explain(regclass, text, text, text, integer, text, jsonb, text, boolean) IS
'The SQL keyset_page runs for these arguments, its EXPLAIN (COSTS OFF) with the cursor and filter values bound (with_analyze: EXPLAIN ANALYZE, showing rows read and removed), the resolved key and where it came from (primary key, unique index, key argument, view base).';
