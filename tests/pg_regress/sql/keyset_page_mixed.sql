-- Mixed directions with NULLs, compared page by page with ORDER BY ... LIMIT/OFFSET.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;
-- Index advice has its own test (keyset_index_advice).
set local client_min_messages = warning;

create table tickets (id int primary key, priority int, created_at timestamptz not null, title text);
insert into tickets
select g,
       case when g % 5 = 0 then null else g % 3 end,
       '2024-01-01 00:00:00+00'::timestamptz + (g % 7) * interval '1 day',
       case when g % 4 = 0 then null else 't' || (g % 6) end
from generate_series(1, 60) g;
create index on tickets (priority desc nulls last, created_at, title desc nulls first, id desc);

-- What the user sees: the first two pages.
select rows, has_more, has_previous
from keyset_page('tickets', 'priority desc nulls last, created_at, title desc nulls first', page_size => 3);
select rows, has_more, has_previous
from keyset_page('tickets', 'priority desc nulls last, created_at, title desc nulls first', page_size => 3,
                 after => (select next_cursor from keyset_page('tickets', 'priority desc nulls last, created_at, title desc nulls first', page_size => 3)));

-- Every page of every walk equals the same page by OFFSET (page sizes 1-9, direction asc and
-- desc: direction => 'desc' flips the unmarked created_at; the id tiebreak follows the last
-- listed column, title desc, either way).
create function pg_temp.check(spec text, dir text, order_by text, size int) returns table (pages int, all_equal boolean)
language plpgsql as $$
declare
  cur text;
  more boolean := true;
  page int := 0;
  got text;
  want text;
  ok boolean := true;
begin
  while more loop
    select string_agg(e.r->>'id', ',' order by e.n), max(k.next_cursor), bool_or(k.has_more)
      into got, cur, more
      from keyset_page('tickets', spec, dir, cur, size) k
      left join lateral json_array_elements(k.rows) with ordinality e(r, n) on true;
    execute format('select string_agg(id::text, '','' order by %s) from (select * from tickets order by %s limit %s offset %s) s',
                   order_by, order_by, size, page * size) into want;
    ok := ok and got is not distinct from want;
    page := page + 1;
  end loop;
  return query select page, ok;
end $$;

select size, dir, c.*
from generate_series(1, 9) size, (values ('asc'), ('desc')) d(dir),
     pg_temp.check('priority desc nulls last, created_at, title desc nulls first', dir,
                   case dir when 'asc' then 'priority desc nulls last, created_at, title desc nulls first, id desc'
                            else 'priority desc nulls last, created_at desc, title desc nulls first, id desc' end, size) c
order by dir, size;

rollback;
