-- cursor_decode: the raw wire fields of a valid cursor.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;

select * from cursor_decode('eyJzIjoiY3JlYXRlZF9hdCIsIm8iOiJkZXNjIiwidiI6IjE3MDY3NzgwMDAwMDAwMDAiLCJpZCI6IjQyIn0');
-- Escapes are undone: the reference cursor for <b>Tom & Jerry</b>.
select * from cursor_decode('eyJzIjoibmFtZSIsIm8iOiJhc2MiLCJ2IjoiXHUwMDNjYlx1MDAzZVRvbSBcdTAwMjYgSmVycnlcdTAwM2MvYlx1MDAzZSIsImlkIjoiNyJ9');
-- A NULL boundary value.
select sort, direction, value is null as value_is_null, id
from cursor_decode('eyJzIjoicHJpb3JpdHkiLCJvIjoiYXNjIiwidiI6bnVsbCwiaWQiOiIxNiJ9');
-- Round trip of a value at the 512-character cap.
select length(value) from cursor_decode(cursor_encode('name', 'asc', repeat('x', 512), 1));
-- NULL in, no row out (the function is strict).
select count(*) from cursor_decode(null);

rollback;
