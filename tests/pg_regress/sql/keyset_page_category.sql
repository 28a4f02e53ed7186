-- Ordered by (category, id): the classic pitfall is the AND-of-> predicate
-- `category > $1 AND id > $2`, which skips every later row of a smaller id. Each keyset page
-- starts exactly where the previous one ended.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;

create table items (id int primary key, category text not null);
insert into items values (1, 'b'), (2, 'a'), (3, 'b'), (4, 'a'), (5, 'c'), (6, 'a'), (7, 'b'), (8, 'c');
create index on items (category, id);

select string_agg(format('%s%s', category, id), ' ' order by category, id) as "ORDER BY category, id" from items;

with recursive w(page, rows, next_cursor, has_more) as (
  select 1, p.rows, p.next_cursor, p.has_more from keyset_page('items', 'category', page_size => 2) p
  union all
  select w.page + 1, p.rows, p.next_cursor, p.has_more
  from w cross join lateral keyset_page('items', 'category', after => w.next_cursor, page_size => 2) p where w.has_more)
select page,
       (select string_agg(format('%s%s', r->>'category', r->>'id'), ' ') from json_array_elements(rows) r) keyset_page,
       -- what the AND-of-> predicate would return after the previous page's last row
       (select string_agg(format('%s%s', category, id), ' ' order by category, id)
          from (select i.* from items i, cursor_decode(prev.next_cursor) c
                 where i.category > c.value and i.id > c.id::int order by category, id limit 2) s) and_of_greater
from w left join lateral (select next_cursor from w w2 where w2.page = w.page - 1) prev on true
order by page;

-- The same with the category descending: the id follows the direction of the last column.
select (select string_agg(format('%s%s', r->>'category', r->>'id'), ' ') from json_array_elements(rows) r) page_2
from keyset_page('items', 'category desc', page_size => 3,
                 after => (select next_cursor from keyset_page('items', 'category desc', page_size => 3)));

rollback;
