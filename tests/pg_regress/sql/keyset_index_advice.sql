-- Index advice: when no index serves a listing's ORDER BY, a NOTICE names the index to create,
-- once per backend and listing. Leading columns pinned by an equality filter may precede the
-- sort columns; a reversed index serves too; partial and expression indexes do not count.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;

create table adv (id int primary key, a int, b text not null, c int);
-- No index on (a, id): advice, once.
select has_more from keyset_page('adv', 'a');
select has_more from keyset_page('adv', 'a');
-- Mixed directions and NULL placements are spelled out; all-DESC is written as its ASC mirror.
select has_more from keyset_page('adv', 'a desc nulls last, b');
select has_more from keyset_page('adv', 'a desc, b desc');
-- An equality filter column leads the suggested index.
select has_more from keyset_page('adv', 'b', filter => '{"c": 3, "a": {">": 1}}');
-- Served: the matching index, its reverse, one behind a pinned column.
create index on adv (b, id);
select has_more from keyset_page('adv', 'b desc');
create index on adv (c, a, id);
select has_more from keyset_page('adv', 'a', filter => '{"c": 7}');
select has_more from keyset_page('adv', 'a', filter => '{"c": null}');
-- A multi-tenant key: the sort reaches tenant_id after created_at, but the filter pins it, so
-- the tenant's index (tenant_id, created_at, id) serves the listing (no NOTICE).
create table tenant_adv (tenant_id int not null, id int not null, created_at timestamptz not null,
                         primary key (tenant_id, id));
select has_more from keyset_page('tenant_adv', 'created_at', filter => '{"tenant_id": 7}');
create index on tenant_adv (tenant_id, created_at, id);
select has_more from keyset_page('tenant_adv', 'created_at desc', filter => '{"tenant_id": 7}');
-- Across tenants it still needs its own index.
select has_more from keyset_page('tenant_adv', 'created_at');
-- Only `=` drops a sort key, and never the first one: with x first and pinned, the key's index
-- alone would order the page but scan from the start on every page; under IS NULL the planner
-- keeps the key. Both get the NOTICE.
create table pin_adv (id int primary key, x int, b text);
select has_more from keyset_page('pin_adv', 'x', filter => '{"x": 5}');
select has_more from keyset_page('pin_adv', 'b', filter => '{"b": null}');
-- A column fixed by `=` between the keys of an index: (x, b, id) serves `x, b` under b = 'v'.
create index on pin_adv (x, b, id);
select has_more from keyset_page('pin_adv', 'x, b', filter => '{"b": "v"}');
-- Not served: NULL placement differs on a nullable column; a partial index.
select has_more from keyset_page('adv', 'c nulls first, a');
create index on adv (c desc, id desc) where c > 0;
select has_more from keyset_page('adv', 'c desc');
-- The primary key alone is always served.
select has_more from keyset_page('adv');
select has_more from keyset_page('adv', 'id desc');

-- An index in another collation or with another operator class orders differently from the
-- ORDER BY (the column's collation, the type's default btree class): it does not serve.
create table coll (id int primary key, name text not null);
create index on coll (name collate "C", id);
select has_more from keyset_page('coll', 'name');
create index on coll (name text_pattern_ops, id);
select has_more from keyset_page('coll', 'name desc');
create index on coll (name, id);
select has_more from keyset_page('coll', 'name desc');

rollback;
