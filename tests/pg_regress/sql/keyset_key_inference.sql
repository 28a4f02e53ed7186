-- Which key breaks ties, in order: the key argument, the primary key (any width), the narrowest
-- usable unique index (fewest columns, then its name), a simple view's base table key. Each
-- refusal says what to do.
\set VERBOSITY default
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
begin;

create function pg_temp.key_of(rel regclass, key text default null) returns text language sql as $$
  select resolved_key || '  <- ' || key_source from keyset_explain(rel, key => key)
$$;

-- The primary key wins over narrower unique indexes.
create table t_pk (a int, b int, c int not null unique, primary key (a, b));
select pg_temp.key_of('t_pk');
-- Without one: the narrowest usable unique index; a tie goes to the first name.
create table t_uniq (x int not null, y int not null, z int not null, n int, p int not null, e int not null);
create unique index t_uniq_b on t_uniq (y);
create unique index t_uniq_a on t_uniq (z);
create unique index t_uniq_xy on t_uniq (x, y);
select pg_temp.key_of('t_uniq');
-- Not usable: nullable columns, partial, expression, deferrable.
create table t_unusable (n int unique, p int not null, e int not null, d int not null);
create unique index on t_unusable (p) where p > 0;
create unique index on t_unusable ((e + 1));
alter table t_unusable add constraint d_key unique (d) deferrable;
select pg_temp.key_of('t_unusable');
-- A deferrable primary key says so, unless a usable unique index stands in.
create table t_deferred (id int primary key deferrable, v int);
select pg_temp.key_of('t_deferred');
alter table t_deferred alter column v set not null;
create unique index on t_deferred (v);
select pg_temp.key_of('t_deferred');

-- The key argument: its columns must hold a usable unique index's columns, and be NOT NULL.
select pg_temp.key_of('t_pk', 'c');
select pg_temp.key_of('t_pk', 'b, a');
select pg_temp.key_of('t_pk', 'c, a');
select pg_temp.key_of('t_pk', 'a');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select pg_temp.key_of('t_unusable', 'n');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select pg_temp.key_of('t_unusable', 'p');
select pg_temp.key_of('t_pk', 'missing');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select pg_temp.key_of('t_pk', 'a desc');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
select pg_temp.key_of('t_pk', 'a,');
select pg_temp.key_of('t_pk', 'a, A');
select pg_temp.key_of('t_pk', '');
-- Key columns already in the sort are not repeated; the sort's direction carries over.
select sql ~ 'ORDER BY "keyset_row"."b" DESC NULLS FIRST, "keyset_row"."a" DESC NULLS FIRST LIMIT' as b_then_a
from keyset_explain('t_pk', 'b desc');

-- Views: inferred when simple and every key column passes through unchanged.
create view v_renamed as select b as bee, a as ay, c from t_pk where c > 0;
select pg_temp.key_of('v_renamed');
create view v_partial_key as select a, c from t_pk;
select pg_temp.key_of('v_partial_key');
create view v_expr as select a + 0 as a, b, c from t_pk;
select pg_temp.key_of('v_expr');
create view v_distinct as select distinct a, b from t_pk;
select pg_temp.key_of('v_distinct');
create view v_limit as select * from t_pk limit 10;
select pg_temp.key_of('v_limit');
create view v_join as select t_pk.a, t_pk.b from t_pk join t_uniq on t_pk.a = t_uniq.x;
select pg_temp.key_of('v_join');
select pg_temp.key_of('v_join', 'a, b');
create view v_nokey as select * from t_unusable;
select pg_temp.key_of('v_nokey');
create table parent_t (id int primary key);
create table child_t () inherits (parent_t);
create view v_inherited as select * from parent_t;
select pg_temp.key_of('v_inherited');
create view v_only as select * from only parent_t;
select pg_temp.key_of('v_only');
-- A view's key argument is the caller's word (it is not checked against any index).
select pg_temp.key_of('v_renamed', 'c');

rollback;
