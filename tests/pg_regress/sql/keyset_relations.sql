-- Every relation kind pg_keyset pages, each walked forward with `after` and back with `before`
-- against ORDER BY of the same key: ordinary and partitioned tables, composite and unique-index
-- keys, views (plain, security_barrier, security_invoker, stacked) and materialized views, with
-- keyset_rows returning each relation's own row type. Kinds it does not page are refused.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;

-- Walks a listing to its end with `after`, then back to its start with `before`, and compares
-- both with the keys an ORDER BY gives (`truth`: the same key list as text, in order).
create function pg_temp.walk(rel regclass, spec text, size int, key_cols text, truth text, key text default null)
returns table (forward_ok boolean, backward_ok boolean, pages int) language plpgsql as $$
declare c text; p record; fwd text[] := '{}'; back text[] := '{}'; n int := 0; last_prev text;
begin
  loop
    select * into p from keyset_page(rel, spec, after => c, page_size => size, key => key);
    n := n + 1;
    fwd := fwd || array(select (select string_agg(e.r->>k, '/' order by o) from unnest(string_to_array(key_cols, ',')) with ordinality u(k, o))
                        from json_array_elements(p.rows) with ordinality e(r, i) order by i);
    last_prev := p.prev_cursor;
    exit when not p.has_more or n > 100;
    c := p.next_cursor;
  end loop;
  -- Back from the last page: everything before it, then the last page itself.
  c := last_prev;
  while c is not null loop
    select * into p from keyset_page(rel, spec, before => c, page_size => size, key => key);
    back := array(select (select string_agg(e.r->>k, '/' order by o) from unnest(string_to_array(key_cols, ',')) with ordinality u(k, o))
                  from json_array_elements(p.rows) with ordinality e(r, i) order by i) || back;
    c := case when p.has_previous then p.prev_cursor end;
  end loop;
  back := back || fwd[array_length(back, 1) + 1 :];
  return query select array_to_string(fwd, ',') = truth, array_to_string(back, ',') = truth, n;
end $$;

-- A partitioned table: the primary key must include the partition key.
create table events (id bigint, created_at timestamptz not null, kind text, primary key (id, created_at))
  partition by range (created_at);
create table events_2024_01 partition of events for values from ('2024-01-01') to ('2024-02-01');
create table events_2024_02 partition of events for values from ('2024-02-01') to ('2024-03-01');
create table events_rest partition of events default;
insert into events select g, '2024-01-01'::timestamptz + (g % 40) * interval '2 days', 'k' || g % 3
from generate_series(1, 60) g;
create index on events (created_at, id);
select resolved_key, key_source from keyset_explain('events', 'created_at');
select * from pg_temp.walk('events', 'created_at', 7, 'id',
  (select string_agg(id::text, ',' order by created_at, id) from events));
select * from pg_temp.walk('events', 'kind desc, created_at', 5, 'id',
  (select string_agg(id::text, ',' order by kind desc, created_at, id) from events));
select rows, next_cursor from keyset_page('events', 'created_at desc', page_size => 2);
select * from cursor_decode((select next_cursor from keyset_page('events', 'created_at desc', page_size => 2)));
select * from keyset_rows(null::events, 'created_at', page_size => 3);
-- A partition on its own is an ordinary table with the same key.
select rows from keyset_page('events_2024_02', 'created_at', page_size => 2);

-- A composite primary key (multi-tenant): no sort pages by the key itself.
create table accounts (tenant_id int, id int, name text not null, primary key (tenant_id, id));
insert into accounts select g % 4, g, 'n' || (g % 5) from generate_series(1, 30) g;
select resolved_key, key_source from keyset_explain('accounts');
select * from pg_temp.walk('accounts', null, 4, 'tenant_id,id',
  (select string_agg(tenant_id || '/' || id, ',' order by tenant_id, id) from accounts));
select * from pg_temp.walk('accounts', 'name desc', 4, 'tenant_id,id',
  (select string_agg(tenant_id || '/' || id, ',' order by name desc, tenant_id desc, id desc) from accounts));
-- Listing a key column sets its direction; the others follow the last listed column.
select * from pg_temp.walk('accounts', 'id desc, name', 6, 'tenant_id,id',
  (select string_agg(tenant_id || '/' || id, ',' order by id desc, name, tenant_id) from accounts));
select * from cursor_decode((select next_cursor from keyset_page('accounts', page_size => 2)));
select * from keyset_rows(null::accounts, 'name', page_size => 3);

-- No primary key, a NOT NULL unique column (legacy schemas).
create table legacy (code text not null unique, label text);
insert into legacy select 'c' || lpad(g::text, 2, '0'), 'l' || g % 3 from generate_series(1, 12) g;
select resolved_key, key_source from keyset_explain('legacy');
select * from pg_temp.walk('legacy', 'label', 5, 'code',
  (select string_agg(code, ',' order by label, code) from legacy));

-- Views: the key of the table underneath, passed through (renamed here).
create view accounts_api as select tenant_id as org, id as account_id, name from accounts where id > 3;
select resolved_key, key_source from keyset_explain('accounts_api', 'name');
select * from pg_temp.walk('accounts_api', 'name', 4, 'org,account_id',
  (select string_agg(org || '/' || account_id, ',' order by name, org, account_id) from accounts_api));
create view accounts_barrier with (security_barrier) as select * from accounts where tenant_id <> 2;
create view accounts_invoker with (security_invoker) as select * from accounts where tenant_id <> 1;
create view accounts_top as select org, account_id, name from accounts_api;
select v, resolved_key, key_source from unnest(array['accounts_barrier', 'accounts_invoker', 'accounts_top']) v,
  keyset_explain(v::regclass, 'name');
select * from pg_temp.walk('accounts_barrier', 'name desc', 3, 'tenant_id,id',
  (select string_agg(tenant_id || '/' || id, ',' order by name desc, tenant_id desc, id desc) from accounts_barrier));
select * from pg_temp.walk('accounts_top', null, 5, 'org,account_id',
  (select string_agg(org || '/' || account_id, ',' order by org, account_id) from accounts_top));
select * from keyset_rows(null::accounts_api, 'name', page_size => 2);
select next_cursor is not null as has_cursor, has_more from keyset_page_info('accounts_api', 'name', page_size => 2);
-- A view's cursors are bound to the view: another relation's cursor is refused.
select * from keyset_page('accounts', 'name', after => (select next_cursor from keyset_page('accounts_api', 'name', page_size => 2)));

-- A view that is not simple: the caller names its key.
create view per_tenant as select tenant_id, count(*) as n from accounts group by tenant_id;
select * from keyset_page('per_tenant');
select rows from keyset_page('per_tenant', 'n desc', key => 'tenant_id');
select * from pg_temp.walk('per_tenant', 'n desc', 1, 'tenant_id',
  (select string_agg(tenant_id::text, ',' order by n desc, tenant_id desc) from per_tenant), key => 'tenant_id');

-- Materialized views: their unique index is the key (Postgres never marks their columns NOT
-- NULL); a NULL met in a key column is an error naming it, never a row silently skipped.
create materialized view account_names as select id, name from accounts;
select * from keyset_page('account_names');
create unique index on account_names (id);
select resolved_key, key_source from keyset_explain('account_names');
select * from pg_temp.walk('account_names', 'name', 7, 'id',
  (select string_agg(id::text, ',' order by name, id) from account_names));
create materialized view maybe_null as select nullif(id, 5) as id, name from accounts;
create unique index on maybe_null (id);
select count(*) from keyset_page('maybe_null', page_size => 100);
select * from pg_temp.walk('maybe_null', 'name', 2, 'id', '');
select rows from keyset_page('maybe_null', 'id desc', page_size => 2);
select json_array_length(rows) from keyset_page('maybe_null', filter => '{"id": {"is not": null}}', page_size => 100);
select * from keyset_rows(null::account_names, 'name desc', page_size => 2);
-- keyset_rows meets the NULL key as keyset_page does (its rows take another path).
select count(*) from keyset_rows(null::maybe_null, page_size => 100);
select count(*) from keyset_rows(null::maybe_null, 'name', page_size => 100);

-- Kinds pg_keyset does not page.
create sequence seq;
select * from keyset_page('seq');
create type pair as (a int, b int);
select * from keyset_page('pair');
create index accounts_name on accounts (name);
select * from keyset_page('accounts_name');
create extension if not exists file_fdw;
create server files foreign data wrapper file_fdw;
create foreign table remote_rows (id int) server files options (filename '/dev/null');
select * from keyset_page('remote_rows');
select * from keyset_rows(null::pair);

rollback;
