-- Plans stay index ranges for every relation kind, at ~1% and ~99% depth (EXPLAIN ANALYZE of
-- the generic plan keyset_page runs, through keyset_explain): a partitioned table of 8 monthly
-- partitions with PRIMARY KEY (id, created_at) sorted by created_at, a composite-key table, and
-- a simple view over an indexed table. The cursor is in an Index Cond, nothing is read
-- sequentially or sorted (partitions are range-ordered: an Append reads them in order), and the
-- work does not grow with depth. On the partitioned table the row value's head also gets its own
-- bound (created_at >= $1), by which Postgres prunes the partitions before the cursor when the
-- generic plan starts (Subplans Removed); it prunes by no row value.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
set local pg_keyset.max_page_size = 10000;

create table pev (id bigint not null, created_at timestamptz not null, payload text,
                  primary key (id, created_at)) partition by range (created_at);
select format('create table pev_%s partition of pev for values from (%L) to (%L)', m,
              '2024-01-01'::timestamptz + (m - 1) * interval '1 month',
              '2024-01-01'::timestamptz + m * interval '1 month')
from generate_series(1, 8) m \gexec
insert into pev select g, '2024-01-01'::timestamptz + g * interval '3 minutes' + interval '1 second', 'p' || g
from generate_series(1, 100000) g;
create index pev_created on pev (created_at, id);

create table tenants (tenant_id int not null, id int not null, name text not null, primary key (tenant_id, id));
insert into tenants select g % 50, g, 'n' || (g % 1000) from generate_series(1, 100000) g;

create table items (id bigint primary key, created_at timestamptz not null, secret text);
insert into items select g, '2024-01-01 00:00:00+00'::timestamptz + (g / 3) * interval '1 minute', 's'
from generate_series(1, 100000) g;
create index items_created on items (created_at, id);
create view items_api as select id as item_id, created_at from items;
analyze pev, tenants, items;

create function pg_temp.cursor_at(rel regclass, spec text, depth int) returns text language plpgsql as $$
declare c text; left_ int := depth;
begin
  while left_ > 0 loop
    select next_cursor into c from keyset_page(rel, spec, after => c, page_size => least(left_, 10000));
    left_ := left_ - 10000;
  end loop;
  return c;
end $$;
create temp table plans as
select rel, spec, depth,
       (select plan from keyset_explain(rel::regclass, spec, page_size => 20, with_analyze => true,
                                        after => pg_temp.cursor_at(rel::regclass, spec, depth))) plan
from (values ('pev', 'created_at'), ('pev', 'created_at desc'), ('tenants', null), ('items_api', 'created_at'))
       s(rel, spec),
     (values (1000), (99000)) d(depth);

select rel, spec, depth,
       plan ~ 'Index Cond: \(+ROW\(' as cursor_in_index_cond,
       plan !~ 'Seq Scan' as no_seq_scan,
       plan !~ 'Sort' as no_sort,
       coalesce((select sum(m[1]::int) from regexp_matches(plan, 'Rows Removed by Filter: (\d+)', 'g') m), 0) as rows_removed,
       (select sum(m[1]::int) from regexp_matches(plan, '\(actual rows=(\d+) loops=1\)', 'g') m) as rows_all_nodes
from plans order by rel, spec, depth;

-- The partitioned table at 99% depth: the partitions before the cursor's month are pruned, the
-- cursor's month gives the page; the probe of the other side reads back from the cursor.
select plan from plans where rel = 'pev' and spec = 'created_at' and depth = 99000;
-- The view: the base table's index, the cursor in its Index Cond.
select plan from plans where rel = 'items_api' and depth = 99000;

rollback;
