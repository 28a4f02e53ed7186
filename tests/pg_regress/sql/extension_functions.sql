-- Every function of the extension: its signature, volatility, parallel safety, SECURITY INVOKER,
-- and a \df+ description.
\set VERBOSITY default
\set SHOW_CONTEXT never
begin;

select p.oid::regprocedure as function, provolatile as vol, proparallel as par, prosecdef as secdef,
       prorows as rows, obj_description(p.oid, 'pg_proc') is not null as described
from pg_proc p
join pg_depend d on d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e'
join pg_extension e on e.oid = d.refobjid and e.extname = 'pg_keyset'
order by p.oid::regprocedure::text;

select pg_get_function_arguments('keyset_page'::regproc) as keyset_page_arguments;

rollback;
