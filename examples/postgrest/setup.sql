-- The database side of a PostgREST v12 deployment that serves keyset_page, as a superuser, in a
-- database where `create extension pg_keyset schema keyset` has run. The PostgREST
-- configuration it assumes:
--
--   db-uri               = "postgres://authenticator@.../<db>"
--   db-schemas           = "keyset"      -- the extension's schema is the exposed API schema
--   db-extra-search-path = "public"      -- PostgREST's default; `relation=documents` resolves here
--   db-anon-role         = "web_anon"
--   jwt-secret           = "..."         -- JWTs carry {"role": "web_user", "tenant": "..."}
--
-- (README: "expose the extension's schema in db-schemas or wrap the call in a function of the
-- API schema".)

-- The roles, as PostgREST's tutorial has them: authenticator logs in and can become either.
-- Role names are cluster-wide; the test that runs this drops them at its end.
do $$ begin
  if not exists (select from pg_roles where rolname = 'web_anon') then create role web_anon nologin; end if;
  if not exists (select from pg_roles where rolname = 'web_user') then create role web_user nologin; end if;
  if not exists (select from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
end $$;
grant web_anon, web_user to authenticator;

-- Every role may call the functions (EXECUTE is PUBLIC's by default) and look up names in the
-- schemas; what each may read is decided by table privileges and row-level security, which
-- keyset_page (SECURITY INVOKER) obeys like the caller's own SELECT.
grant usage on schema keyset to web_anon, web_user;
grant usage on schema public to web_anon, web_user;

-- A multi-tenant table: each JWT's "tenant" claim selects its rows. PostgREST puts the claims
-- into request.jwt.claims with set_config(..., true) in every request's transaction.
create table public.documents (
  id bigint primary key,
  tenant text not null,
  kind text not null,
  title text not null,
  body json not null,
  created_at timestamptz not null
);
insert into public.documents
select g,
       (array['acme', 'globex', 'initech'])[g % 3 + 1],
       (array['memo', 'invoice'])[g % 2 + 1],
       'document ' || g,
       json_build_object('words', g % 17),
       timestamptz '2024-03-01 00:00:00+00' + (g % 61) * interval '1 hour'   -- ties: 61 distinct times
from generate_series(1, 300) g;
create index on public.documents (created_at, id);
create index on public.documents (tenant, created_at, id);
analyze public.documents;

alter table public.documents enable row level security;
create policy tenant_rows on public.documents for select to web_user
  using (tenant = current_setting('request.jwt.claims', true)::json->>'tenant');
-- web_anon gets nothing on documents: keyset_page checks the privilege first (42501).
grant select on public.documents to web_user;

-- A table no API role may read (42501 for web_user too).
create table public.secrets (id bigint primary key, secret text not null);
insert into public.secrets values (1, 'the recipe');
