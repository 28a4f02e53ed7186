-- The NULL matrix: sort values 10, 20, 30, 20, 10 and three NULLs, in each of ASC/DESC x
-- NULLS FIRST/LAST, page sizes 3 and 4, forward (after) and backward (before) from a cursor at
-- every position p of the listing: so at the last non-NULL, inside the NULL block, at the last
-- NULL, and at the last row. Every page is compared with ORDER BY ground truth (ok column).
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;

create table nm (id int primary key, v int);
insert into nm values (1, 10), (2, 20), (3, 30), (4, 20), (5, 10), (6, null), (7, null), (8, null);
create index on nm (v, id);
create index on nm (v nulls first, id);
create index on nm (v desc nulls last, id desc);
create index on nm (v desc, id desc);

-- Ground truth: the ids in ORDER BY v <order>, id <direction>.
create function pg_temp.truth(ord text) returns int[] language plpgsql as $$
declare ids int[];
begin
  execute format('select array_agg(id order by v %s, id %s) from nm', ord, split_part(ord, ' ', 1)) into ids;
  return ids;
end $$;

-- The cursor after the p-th row. For p = 8 (the last row) a sentinel row that sorts after it is
-- added, the cursor taken, and the sentinel deleted again.
create function pg_temp.cursor_at(ord text, p int) returns text language plpgsql as $$
declare
  c text;
  up boolean := ord like 'asc%';
begin
  if p < 8 then
    select next_cursor into c from keyset_page('nm', 'v ' || ord, page_size => p);
    return c;
  end if;
  insert into nm values (case when up then 9 else 0 end,
                         case when ord like '%nulls last' then null when up then 31 else 9 end);
  select next_cursor into c from keyset_page('nm', 'v ' || ord, page_size => 8);
  delete from nm where id in (0, 9);
  return c;
end $$;

create function pg_temp.ids(rows json) returns text language sql as $$
  select coalesce(string_agg(e.r->>'id', ',' order by e.n), '') from json_array_elements(rows) with ordinality e(r, n)
$$;

create temp table matrix as
with orders(ord) as (values ('asc nulls last'), ('asc nulls first'), ('desc nulls first'), ('desc nulls last')),
cases as (
  select ord, p, size, pg_temp.truth(ord) t, pg_temp.cursor_at(ord, p) c
  from orders, generate_series(1, 8) p, (values (3), (4)) s(size)
)
select ord, p, size, array_to_string(t, ',') listing,
       pg_temp.ids(f.rows) fwd, f.has_more fwd_more, f.has_previous fwd_prev,
       pg_temp.ids(b.rows) bwd, b.has_more bwd_more, b.has_previous bwd_prev,
       pg_temp.ids(f.rows) = array_to_string(t[p + 1 : p + size], ',')
         and f.has_more = (p + size < 8) and f.has_previous
         and pg_temp.ids(b.rows) = array_to_string(t[greatest(1, p - size) : p - 1], ',')
         and b.has_previous = (p - size > 1) and b.has_more
         -- the cursors are there exactly when the flags say so
         and (f.next_cursor is not null) = f.has_more and (f.prev_cursor is not null) = (f.has_previous and p < 8)
         and (b.prev_cursor is not null) = b.has_previous and (b.next_cursor is not null) = (b.has_more and p > 1) as ok
from cases,
     lateral keyset_page('nm', 'v ' || ord, after => c, page_size => size) f,
     lateral keyset_page('nm', 'v ' || ord, before => c, page_size => size) b;

select ord, p, size, fwd, fwd_more, fwd_prev, bwd, bwd_more, bwd_prev, ok from matrix order by ord, size, p;
select ord, listing from matrix group by ord, listing order by ord;
select count(*) as cases, bool_and(ok) as all_ok from matrix;

rollback;
