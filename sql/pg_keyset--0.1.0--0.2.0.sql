-- pg_keyset 0.1.0 -> 0.2.0 (ALTER EXTENSION pg_keyset UPDATE TO '0.2.0').
--
-- keyset_page, keyset_rows, keyset_page_info and keyset_explain gained the argument `key`;
-- keyset_page returns `rows json` instead of jsonb; keyset_explain returns resolved_key and
-- key_source too. Postgres cannot change a function's arguments or result in place, so these four
-- are dropped and created again (their text is sql/functions.sql's, as a fresh 0.2.0 install has
-- it; tests/scripts/upgrade_path.sh compares the two catalogs). A view calling one of them would
-- block the DROP: such views, and views over those, are saved, dropped and created again from their
-- own definitions once the new functions exist, with their owner, options, privileges and
-- comments; the same calls then bind to the new functions (a view's `rows` column becomes json, as
-- keyset_page's). Creating a view runs none of its code. Anything else using the old functions (a
-- materialized view, a policy, a SQL-standard function body, a trigger on such a view) stops the
-- update with Postgres' own 2BP01 naming it, and nothing changes: drop it, update, re-create it.
-- cursor_encode and cursor_decode keep their signatures; every comment is set again.

\echo Use "ALTER EXTENSION pg_keyset UPDATE TO '0.2.0'" to load this file. \quit

DO $upgrade$
DECLARE
    v record;
    w jsonb;
    saved jsonb := '[]';
    stmt text;
    path text := pg_catalog.current_setting('search_path');
BEGIN
    -- pg_get_viewdef qualifies every name the search path does not show: with pg_catalog alone
    -- the text parses back to the same objects whatever the caller's path.
    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    FOR v IN
        WITH RECURSIVE old_functions(oid) AS (
            SELECT d.objid FROM pg_catalog.pg_depend d
            JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid
             AND e.extname OPERATOR(pg_catalog.=) 'pg_keyset'
            JOIN pg_catalog.pg_proc p ON p.oid OPERATOR(pg_catalog.=) d.objid
            WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
              AND d.deptype OPERATOR(pg_catalog.=) 'e'
              AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY['keyset_page', 'keyset_rows', 'keyset_page_info', 'keyset_explain']::pg_catalog.name[])
        ), users(view, depth) AS (
            -- A view uses an object through its rewrite rule; views over views, level by level.
            SELECT r.ev_class, 1
            FROM pg_catalog.pg_depend d
            JOIN pg_catalog.pg_rewrite r ON r.oid OPERATOR(pg_catalog.=) d.objid
            WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
              AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
              AND d.refobjid OPERATOR(pg_catalog.=) ANY (SELECT oid FROM old_functions)
            UNION
            SELECT r.ev_class, u.depth OPERATOR(pg_catalog.+) 1
            FROM users u
            JOIN pg_catalog.pg_depend d ON d.refobjid OPERATOR(pg_catalog.=) u.view
             AND d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
             AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
            JOIN pg_catalog.pg_rewrite r ON r.oid OPERATOR(pg_catalog.=) d.objid
             AND r.ev_class OPERATOR(pg_catalog.<>) u.view
            WHERE u.depth OPERATOR(pg_catalog.<) 64
        )
        SELECT c.oid, n.nspname, c.relname, c.relowner::pg_catalog.regrole::pg_catalog.text AS owner,
               c.reloptions, pg_catalog.max(u.depth) AS depth,
               pg_catalog.pg_get_viewdef(c.oid) AS definition,
               pg_catalog.obj_description(c.oid, 'pg_class') AS description,
               ARRAY(SELECT pg_catalog.format('GRANT %s ON %I.%I TO %s%s', a.privilege_type, n.nspname, c.relname,
                                              CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                                                   ELSE a.grantee::pg_catalog.regrole::pg_catalog.text END,
                                              CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
                     FROM pg_catalog.aclexplode(c.relacl) a
                     WHERE a.grantee OPERATOR(pg_catalog.<>) c.relowner) AS grants,
               ARRAY(SELECT pg_catalog.format('GRANT %s (%I) ON %I.%I TO %s%s', a.privilege_type, att.attname,
                                              n.nspname, c.relname,
                                              CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                                                   ELSE a.grantee::pg_catalog.regrole::pg_catalog.text END,
                                              CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
                     FROM pg_catalog.pg_attribute att, pg_catalog.aclexplode(att.attacl) a
                     WHERE att.attrelid OPERATOR(pg_catalog.=) c.oid AND att.attacl IS NOT NULL) AS column_grants,
               ARRAY(SELECT pg_catalog.format('COMMENT ON COLUMN %I.%I.%I IS %L', n.nspname, c.relname, att.attname, ds.description)
                     FROM pg_catalog.pg_description ds
                     JOIN pg_catalog.pg_attribute att ON att.attrelid OPERATOR(pg_catalog.=) ds.objoid
                      AND att.attnum OPERATOR(pg_catalog.=) ds.objsubid
                     WHERE ds.objoid OPERATOR(pg_catalog.=) c.oid
                       AND ds.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                       AND ds.objsubid OPERATOR(pg_catalog.>) 0) AS column_comments
        FROM users u
        JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) u.view
        JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
        WHERE c.relkind OPERATOR(pg_catalog.=) 'v'
        GROUP BY c.oid, n.nspname
        ORDER BY pg_catalog.max(u.depth) DESC
    LOOP
        saved := saved OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(pg_catalog.to_jsonb(v));
        -- No CASCADE: an object over the view other than a view stops the update (2BP01).
        EXECUTE pg_catalog.format('DROP VIEW %I.%I', v.nspname, v.relname);
    END LOOP;
    PERFORM pg_catalog.set_config('search_path', path, true);

    -- No CASCADE either: any other user of the old functions stops the update (2BP01).
    DROP FUNCTION @extschema@.keyset_page(pg_catalog.regclass, text, text, text, integer, text, jsonb);
    DROP FUNCTION @extschema@.keyset_rows(anyelement, text, text, text, integer, text, jsonb);
    DROP FUNCTION @extschema@.keyset_page_info(pg_catalog.regclass, text, text, text, integer, text, jsonb);
    DROP FUNCTION @extschema@.keyset_explain(pg_catalog.regclass, text, text, text, integer, text, jsonb, boolean);
    EXECUTE $create$CREATE FUNCTION @extschema@.keyset_page(
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

CREATE FUNCTION @extschema@.keyset_rows(
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

CREATE FUNCTION @extschema@.keyset_page_info(
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

CREATE FUNCTION @extschema@.keyset_explain(
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
$create$;

    PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
    -- Created again in the reverse order of their drop: a view before the views over it.
    FOR w IN SELECT e.value FROM pg_catalog.jsonb_array_elements(saved) WITH ORDINALITY e(value, n) ORDER BY e.n DESC LOOP
        EXECUTE pg_catalog.format('CREATE VIEW %I.%I%s AS %s', w->>'nspname', w->>'relname',
            CASE WHEN pg_catalog.jsonb_typeof(w->'reloptions') OPERATOR(pg_catalog.=) 'array'
                 THEN ' WITH (' OPERATOR(pg_catalog.||) (SELECT pg_catalog.string_agg(o, ', ')
                      FROM pg_catalog.jsonb_array_elements_text(w->'reloptions') o) OPERATOR(pg_catalog.||) ')'
                 ELSE '' END,
            w->>'definition');
        -- Objects an extension script creates become its members: the view stays the user's.
        EXECUTE pg_catalog.format('ALTER EXTENSION pg_keyset DROP VIEW %I.%I', w->>'nspname', w->>'relname');
        EXECUTE pg_catalog.format('ALTER VIEW %I.%I OWNER TO %s', w->>'nspname', w->>'relname', w->>'owner');
        IF w->>'description' IS NOT NULL THEN
            EXECUTE pg_catalog.format('COMMENT ON VIEW %I.%I IS %L', w->>'nspname', w->>'relname', w->>'description');
        END IF;
        FOR stmt IN SELECT pg_catalog.jsonb_array_elements_text(w->'grants')
                    UNION ALL SELECT pg_catalog.jsonb_array_elements_text(w->'column_grants')
                    UNION ALL SELECT pg_catalog.jsonb_array_elements_text(w->'column_comments') LOOP
            EXECUTE stmt;
        END LOOP;
    END LOOP;
    PERFORM pg_catalog.set_config('search_path', path, true);
END
$upgrade$;

-- `\df+` descriptions, as sql/functions.sql sets them.
COMMENT ON FUNCTION @extschema@.cursor_encode(text, text, "any", "any") IS
'Mints an opaque, URL-safe cursor (base64url JSON {"s","o","v","id"}) for a boundary row: sort field, direction (asc/desc), the row''s sort value (its SQL type picks the encoding: timestamps as Unix microseconds; NULL allowed) and its tiebreak id.';
COMMENT ON FUNCTION @extschema@.cursor_decode(text) IS
'Decodes and validates a cursor into its sort field (the first sort column), direction, value (NULL for a NULL boundary) and id (the last key column), and for multi-column, composite-key or filtered listings more_values (the columns between the first one and the last) and digest; ERROR 22023 with a DETAIL for any malformed or tampered cursor.';
COMMENT ON FUNCTION @extschema@.keyset_page(regclass, text, text, text, integer, text, jsonb, text) IS
'One keyset page of a table, partitioned table, view or materialized view: rows (json array, each row as row_to_json renders it, in the relation''s column order), next_cursor/has_more (rows follow) and prev_cursor/has_previous (rows precede). sort: columns as in ORDER BY, e.g. ''priority desc nulls last, created_at'' (default: the key), tiebroken by the key; direction: asc/desc for columns that do not say; after: a next_cursor; before: a prev_cursor; page_size: default 20, at most pg_keyset.max_page_size; filter: jsonb such as {"status": "active", "price": {"<": 100}}, bound into the cursor; key: the unique columns that break ties, e.g. ''tenant_id, id'' (default: the primary key, else the narrowest usable unique index, else for a simple view its table''s key).';
COMMENT ON FUNCTION @extschema@.keyset_rows(anyelement, text, text, text, integer, text, jsonb, text) IS
'The same page as keyset_page, as typed rows: SELECT * FROM keyset_rows(NULL::my_table, sort, direction, after, page_size, before, filter, key). Its cursors and flags come from keyset_page_info with the same arguments.';
COMMENT ON FUNCTION @extschema@.keyset_page_info(regclass, text, text, text, integer, text, jsonb, text) IS
'next_cursor, has_more, prev_cursor and has_previous of the page keyset_page / keyset_rows would return for the same arguments, computed from the sort and key columns alone.';
COMMENT ON FUNCTION @extschema@.keyset_explain(regclass, text, text, text, integer, text, jsonb, text, boolean) IS
'The SQL keyset_page runs for these arguments, its EXPLAIN (COSTS OFF) with the cursor and filter values bound (with_analyze: EXPLAIN ANALYZE, showing rows read and removed), the resolved key and where it came from (primary key, unique index, key argument, view base).';
