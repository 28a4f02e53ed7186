-- The sort argument: columns as in ORDER BY, each with ASC/DESC and NULLS FIRST/LAST; the
-- direction argument fills in columns that do not say; the primary key is appended in the
-- direction of the last column. Parsed strictly: errors carry a position, nothing is pasted.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
-- Index advice has its own test (keyset_index_advice); keep this file about ordering.
set local client_min_messages = warning;

create table s (id int primary key, a int, b text, "Mixed Case" int);
insert into s values (1, 1, 'x', 3), (2, 1, 'y', 2), (3, 2, 'x', 1), (4, null, 'y', 0), (5, 2, null, 0);

select spec, (select string_agg(r->>'id', ',') from json_array_elements(rows) r) ids
from (values ('a'), ('a desc'), ('a nulls first'), ('A DESC NULLS LAST, b'), ('a, b desc'), ('"Mixed Case", a'),
             ('b desc nulls last, a'), ('id desc'), ('a, id desc'), ('a, id, b')) v(spec),
     lateral keyset_page('s', spec, page_size => 10)
order by spec;
-- direction => 'desc' applies to unmarked columns (and the appended key).
select (select string_agg(r->>'id', ',') from json_array_elements(rows) r) ids
from keyset_page('s', 'a asc, b', 'desc', page_size => 10);
-- What the cursor of a multi-column listing holds.
select * from cursor_decode((select next_cursor from keyset_page('s', 'a, b desc', page_size => 2)));

-- Errors.
select * from keyset_page('s', 'a,');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('s', 'a desc desc');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('s', 'a nulls');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('s', 'a nulls between');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('s', 'a, (select 1)');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('s', 'a collate "C"');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('s', 'a, b, A');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('s', 'a, nope');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('s', 'a, "mixed case"');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('s', (select string_agg('c' || g, ', ') from generate_series(1, 17) g));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('s', 'a', after => 'x', before => 'y');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- A cursor of 'a, b' is not one of 'a, b desc' or of 'a' (digest), nor of 'b, a' (first column).
select * from keyset_page('s', 'a, b desc', after => (select next_cursor from keyset_page('s', 'a, b', page_size => 2)));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('s', 'a', after => (select next_cursor from keyset_page('s', 'a, b', page_size => 2)));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select * from keyset_page('s', 'b, a', after => (select next_cursor from keyset_page('s', 'a, b', page_size => 2)));
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- Tampered "x": a wrong count, a wrong type.
select * from keyset_page('s', 'a, b', after => translate(encode(convert_to('{"s":"a","o":"asc","v":"1","id":"2","x":[],"h":"' ||
  (select h from (select convert_from(decode(translate(next_cursor, '-_', '+/') || repeat('=', (4 - length(next_cursor) % 4) % 4), 'base64'), 'UTF8')::jsonb->>'h' h
                  from keyset_page('s', 'a, b', page_size => 2)) q) || '"}', 'UTF8'), 'base64'), E'+/=\n', '-_'));
\echo SQLSTATE :LAST_ERROR_SQLSTATE

rollback;
