-- pg_keyset 0.1.0 -> 0.2.0 (ALTER EXTENSION pg_keyset UPDATE TO '0.2.0').
--
-- keyset_page, keyset_rows, keyset_page_info and keyset_explain gained the argument `key`;
-- keyset_page returns `rows json` instead of jsonb; keyset_explain returns resolved_key and
-- key_source too. Postgres cannot change a function's arguments or result in place, so these four
-- are dropped and created again (their text is sql/functions.sql's, as a fresh 0.2.0 install has
-- it; tests/scripts/upgrade_path.sh compares the two catalogs), with the privileges granted on the
-- old ones. A view calling one of them would block the DROP: such views, and views over those, are
-- saved, dropped and created again from their own definitions once the new functions exist, with
-- their owner, options, privileges (exactly, grantors included) and comments; the same calls then bind to
-- the new functions (a view's `rows` column becomes json, as keyset_page's). Creating a view runs
-- none of its code; its definition is printed and read back under fixed settings (search_path,
-- extra_float_digits, DateStyle, IntervalStyle), so the caller's cannot change a constant. What a
-- view cannot carry through pg_get_viewdef — a trigger, a rule besides its own, a column default —
-- stops the update (2BP01, naming it), as does anything else using the old functions (a
-- materialized view, a policy, a SQL-standard function body, another session's temporary view):
-- nothing changes; drop it, update, create it again. cursor_encode and cursor_decode keep their
-- signatures; every comment is set again.

\echo Use "ALTER EXTENSION pg_keyset UPDATE TO '0.2.0'" to load this file. \quit

DO $upgrade$
DECLARE
    v record;
    w jsonb;
    g jsonb;
    saved jsonb := '[]';
    function_acls jsonb;
    cv record;
    target oid;
    settings text[] := ARRAY['search_path', 'extra_float_digits', 'DateStyle', 'IntervalStyle', 'bytea_output'];
    fixed text[] := ARRAY['pg_catalog, pg_temp', '3', 'ISO, YMD', 'postgres', 'hex'];
    caller text[];
BEGIN
    -- pg_get_viewdef qualifies every name the search path does not show and prints constants in
    -- the session's formats: print and read back under fixed ones (pg_dump's).
    caller := ARRAY(SELECT pg_catalog.current_setting(s) FROM pg_catalog.unnest(settings) s);
    FOR i IN 1 .. pg_catalog.array_length(settings, 1) LOOP
        PERFORM pg_catalog.set_config(settings[i], fixed[i], true);
    END LOOP;

    -- The privileges granted on the four old functions, to grant again on the new ones.
    SELECT pg_catalog.jsonb_object_agg(p.proname, pg_catalog.jsonb_build_object(
               'acl', p.proacl::text[], 'owner', p.proowner::pg_catalog.regrole::text))
      INTO function_acls
      FROM pg_catalog.pg_proc p
      JOIN pg_catalog.pg_depend d ON d.objid OPERATOR(pg_catalog.=) p.oid
       AND d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
       AND d.deptype OPERATOR(pg_catalog.=) 'e'
      JOIN pg_catalog.pg_extension e ON e.oid OPERATOR(pg_catalog.=) d.refobjid
       AND e.extname OPERATOR(pg_catalog.=) 'pg_keyset'
     WHERE p.proname OPERATOR(pg_catalog.=) ANY (ARRAY['keyset_page', 'keyset_rows', 'keyset_page_info', 'keyset_explain']::pg_catalog.name[])
       AND p.proacl IS NOT NULL;

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
        SELECT c.oid, n.nspname, c.relname, c.relowner::pg_catalog.regrole::text AS owner,
               c.reloptions, c.relacl::text[] AS acl, pg_catalog.max(u.depth) AS depth,
               pg_catalog.pg_get_viewdef(c.oid) AS definition,
               pg_catalog.obj_description(c.oid, 'pg_class') AS description,
               (SELECT pg_catalog.jsonb_object_agg(a.attname, a.attacl::text[])
                  FROM pg_catalog.pg_attribute a
                 WHERE a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attacl IS NOT NULL) AS column_acls,
               ARRAY(SELECT pg_catalog.format('COMMENT ON COLUMN %I.%I.%I IS %L', n.nspname, c.relname, a.attname, ds.description)
                     FROM pg_catalog.pg_description ds
                     JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) ds.objoid
                      AND a.attnum OPERATOR(pg_catalog.=) ds.objsubid
                     WHERE ds.objoid OPERATOR(pg_catalog.=) c.oid
                       AND ds.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                       AND ds.objsubid OPERATOR(pg_catalog.>) 0) AS column_comments,
               -- What pg_get_viewdef does not carry: the update stops rather than lose it.
               (SELECT pg_catalog.string_agg(b, '; ') FROM (
                    SELECT pg_catalog.format('trigger %I', t.tgname) AS b FROM pg_catalog.pg_trigger t
                     WHERE t.tgrelid OPERATOR(pg_catalog.=) c.oid
                    UNION ALL
                    SELECT pg_catalog.format('rule %I', r.rulename) FROM pg_catalog.pg_rewrite r
                     WHERE r.ev_class OPERATOR(pg_catalog.=) c.oid AND r.rulename OPERATOR(pg_catalog.<>) '_RETURN'
                    UNION ALL
                    SELECT pg_catalog.format('default of column %I', a.attname) FROM pg_catalog.pg_attrdef ad
                      JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) ad.adrelid
                       AND a.attnum OPERATOR(pg_catalog.=) ad.adnum
                     WHERE ad.adrelid OPERATOR(pg_catalog.=) c.oid) x) AS blockers
        FROM users u
        JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) u.view
        JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
        WHERE c.relkind OPERATOR(pg_catalog.=) 'v'
          -- Another session's temporary view cannot be created again from here: DROP FUNCTION
          -- names it (2BP01).
          AND (n.nspname OPERATOR(pg_catalog.!~) '^pg_temp_' OR n.oid OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema())
        GROUP BY c.oid, n.nspname
        ORDER BY pg_catalog.max(u.depth) DESC
    LOOP
        IF v.blockers IS NOT NULL THEN
            RAISE EXCEPTION 'cannot update extension pg_keyset: view %.% has what the update cannot create again',
                    pg_catalog.quote_ident(v.nspname), pg_catalog.quote_ident(v.relname)
                USING ERRCODE = 'dependent_objects_still_exist',
                      DETAIL = pg_catalog.format('The view uses pg_keyset''s functions, which the update replaces; it has: %s.', v.blockers),
                      HINT = 'Drop those (or the view), run ALTER EXTENSION pg_keyset UPDATE, then create them again.';
        END IF;
        saved := saved OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_array(pg_catalog.to_jsonb(v));
        -- No CASCADE: an object over the view other than a view stops the update (2BP01).
        EXECUTE pg_catalog.format('DROP VIEW %I.%I', v.nspname, v.relname);
    END LOOP;

    -- No CASCADE either: any other user of the old functions stops the update (2BP01).
    DROP FUNCTION @extschema@.keyset_page(pg_catalog.regclass, text, text, text, integer, text, jsonb);
    DROP FUNCTION @extschema@.keyset_rows(anyelement, text, text, text, integer, text, jsonb);
    DROP FUNCTION @extschema@.keyset_page_info(pg_catalog.regclass, text, text, text, integer, text, jsonb);
    DROP FUNCTION @extschema@.keyset_explain(pg_catalog.regclass, text, text, text, integer, text, jsonb, boolean);
    PERFORM pg_catalog.set_config('search_path', caller[1], true);
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
    PERFORM pg_catalog.set_config('search_path', fixed[1], true);

    -- The privileges granted on the old functions, granted again on the new ones (by their
    -- owner: a chain of grant options on an extension function is not carried over).
    FOR w IN SELECT pg_catalog.jsonb_build_object('name', e.key, 'acl', e.value->'acl', 'owner', e.value->>'owner')
               FROM pg_catalog.jsonb_each(COALESCE(function_acls, '{}')) e LOOP
        target := pg_catalog.to_regprocedure(pg_catalog.format('@extschema@.%I(%s)', w->>'name',
            CASE WHEN w->>'name' OPERATOR(pg_catalog.=) 'keyset_rows' THEN 'anyelement' ELSE 'regclass' END
            OPERATOR(pg_catalog.||) ', text, text, text, integer, text, jsonb, text'
            OPERATOR(pg_catalog.||) CASE WHEN w->>'name' OPERATOR(pg_catalog.=) 'keyset_explain' THEN ', boolean' ELSE '' END));
        -- A function's default grants EXECUTE to PUBLIC; the saved list says who has it.
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', target::pg_catalog.regprocedure);
        FOR g IN SELECT pg_catalog.to_jsonb(pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %s%s', target::pg_catalog.regprocedure,
                        CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC' ELSE a.grantee::pg_catalog.regrole::text END,
                        CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END))
                   FROM pg_catalog.aclexplode(ARRAY(SELECT x::pg_catalog.aclitem FROM pg_catalog.jsonb_array_elements_text(w->'acl') x)) a
                  WHERE a.grantee::pg_catalog.regrole::text OPERATOR(pg_catalog.<>) (w->>'owner') LOOP
            EXECUTE g #>> '{}';
        END LOOP;
    END LOOP;

    -- The views, created again in the reverse order of their drop: a view before those over it.
    FOR w IN SELECT e.value FROM pg_catalog.jsonb_array_elements(saved) WITH ORDINALITY e(value, n) ORDER BY e.n DESC LOOP
        BEGIN
            EXECUTE pg_catalog.format('CREATE VIEW %I.%I%s AS %s', w->>'nspname', w->>'relname',
                CASE WHEN pg_catalog.jsonb_typeof(w->'reloptions') OPERATOR(pg_catalog.=) 'array'
                     THEN ' WITH (' OPERATOR(pg_catalog.||) (SELECT pg_catalog.string_agg(o, ', ')
                          FROM pg_catalog.jsonb_array_elements_text(w->'reloptions') o) OPERATOR(pg_catalog.||) ')'
                     ELSE '' END,
                w->>'definition');
        EXCEPTION WHEN undefined_function OR datatype_mismatch OR wrong_object_type THEN
            RAISE EXCEPTION 'cannot update extension pg_keyset: view %.% does not work with the new functions',
                    pg_catalog.quote_ident(w->>'nspname'), pg_catalog.quote_ident(w->>'relname')
                USING ERRCODE = 'dependent_objects_still_exist', DETAIL = SQLERRM,
                      HINT = 'keyset_explain takes key before with_analyze since 0.2.0: name the argument (with_analyze => ...). Drop the view, update, create it again.';
        END;
        target := pg_catalog.format('%I.%I', w->>'nspname', w->>'relname')::pg_catalog.regclass;
        -- Objects an extension script creates become its members: the view stays the user's.
        EXECUTE pg_catalog.format('ALTER EXTENSION pg_keyset DROP VIEW %s', target::pg_catalog.regclass);
        EXECUTE pg_catalog.format('ALTER VIEW %s OWNER TO %s', target::pg_catalog.regclass, w->>'owner');
        IF w->>'description' IS NOT NULL THEN
            EXECUTE pg_catalog.format('COMMENT ON VIEW %s IS %L', target::pg_catalog.regclass, w->>'description');
        END IF;
        FOR g IN SELECT pg_catalog.to_jsonb(s) FROM pg_catalog.jsonb_array_elements_text(w->'column_comments') s LOOP
            EXECUTE g #>> '{}';
        END LOOP;
        -- Privileges exactly as they were, grantors and the owner's own included: each grantee's
        -- privileges granted (so Postgres records the roles the list names, for DROP ROLE and
        -- DROP OWNED), then the saved list itself.
        IF pg_catalog.jsonb_typeof(w->'acl') OPERATOR(pg_catalog.=) 'array' THEN
            FOR g IN SELECT pg_catalog.to_jsonb(pg_catalog.format('GRANT %s ON %s TO %s', a.privilege_type, target::pg_catalog.regclass,
                            CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC' ELSE a.grantee::pg_catalog.regrole::text END))
                       FROM pg_catalog.aclexplode(ARRAY(SELECT x::pg_catalog.aclitem FROM pg_catalog.jsonb_array_elements_text(w->'acl') x)) a LOOP
                EXECUTE g #>> '{}';
            END LOOP;
            UPDATE pg_catalog.pg_class
               SET relacl = ARRAY(SELECT x::pg_catalog.aclitem FROM pg_catalog.jsonb_array_elements_text(w->'acl') x)
             WHERE oid OPERATOR(pg_catalog.=) target;
        END IF;
        FOR cv IN SELECT c.key AS col, ARRAY(SELECT x::pg_catalog.aclitem FROM pg_catalog.jsonb_array_elements_text(c.value) x) AS acl
                    FROM pg_catalog.jsonb_each(CASE WHEN pg_catalog.jsonb_typeof(w->'column_acls') OPERATOR(pg_catalog.=) 'object'
                                                  THEN w->'column_acls' ELSE '{}' END) c LOOP
            FOR g IN SELECT pg_catalog.to_jsonb(pg_catalog.format('GRANT %s (%I) ON %s TO %s', a.privilege_type, cv.col,
                            target::pg_catalog.regclass,
                            CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC' ELSE a.grantee::pg_catalog.regrole::text END))
                       FROM pg_catalog.aclexplode(cv.acl) a LOOP
                EXECUTE g #>> '{}';
            END LOOP;
            UPDATE pg_catalog.pg_attribute SET attacl = cv.acl
             WHERE attrelid OPERATOR(pg_catalog.=) target AND attname OPERATOR(pg_catalog.=) cv.col;
        END LOOP;
    END LOOP;

    FOR i IN 1 .. pg_catalog.array_length(settings, 1) LOOP
        PERFORM pg_catalog.set_config(settings[i], caller[i], true);
    END LOOP;
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
