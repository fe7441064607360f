-- public.audit_logs: append-only, tamper-evident security audit log (owner: token-security, lib/audit).
-- Valid on hosted Supabase (roles and auth.uid() exist there) and on the local embedded PostgreSQL.
-- Writes come only from the server (lib/audit, direct Postgres connection); clients may read their own rows.

-- Local stand-in databases may lack Supabase's API roles; hosted projects already have them.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'anon') then create role anon nologin noinherit; end if;
  if not exists (select 1 from pg_roles where rolname = 'authenticated') then create role authenticated nologin noinherit; end if;
end
$$;

create schema if not exists auth;
do $$
begin
  if to_regprocedure('auth.uid()') is null then
    execute $f$create function auth.uid() returns uuid language sql stable as $b$
      select nullif(coalesce(current_setting('request.jwt.claim.sub', true),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')), '')::uuid
    $b$ $f$;
  end if;
end
$$;

create table if not exists public.audit_logs (
  id            bigserial primary key,
  occurred_at   timestamptz not null default now(),
  event         text not null check (event ~ '^[a-z][a-z0-9_]{1,63}$'),
  outcome       text not null check (outcome in ('success', 'failure', 'info')),
  actor_user_id uuid,
  session_id    uuid,
  ip            text check (char_length(ip) <= 64),
  user_agent    text check (char_length(user_agent) <= 512),
  target        text check (char_length(target) <= 512),
  details       jsonb not null default '{}'::jsonb,
  prev_hash     text not null check (prev_hash ~ '^[0-9a-f]{64}$'),
  hash          text not null unique check (hash ~ '^[0-9a-f]{64}$')
);

comment on table public.audit_logs is
  'Security audit log (OWASP logging vocabulary). hash = sha256(prev_hash || canonical row); verify with lib/audit verifyAuditChain().';

create index if not exists audit_logs_actor_occurred_idx on public.audit_logs (actor_user_id, occurred_at desc);
create index if not exists audit_logs_event_idx on public.audit_logs (event);
create index if not exists audit_logs_occurred_idx on public.audit_logs (occurred_at desc);

-- Row level security: users read their own rows; there are NO insert/update/delete policies for API roles.
alter table public.audit_logs enable row level security;
drop policy if exists audit_logs_select_own on public.audit_logs;
create policy audit_logs_select_own on public.audit_logs
  for select to authenticated
  using (actor_user_id = (select auth.uid()));

revoke all on table public.audit_logs from public, anon, authenticated;
grant select on table public.audit_logs to authenticated;
revoke all on sequence public.audit_logs_id_seq from public, anon, authenticated;

-- Append-only even for the table owner: updates and deletes raise. (Retention jobs run with
-- session_replication_role = replica, which skips this trigger, and are themselves audited.)
create or replace function public.audit_logs_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_logs is append-only' using errcode = '42501';
end
$$;
drop trigger if exists audit_logs_append_only on public.audit_logs;
create trigger audit_logs_append_only before update or delete on public.audit_logs
  for each row execute function public.audit_logs_append_only();
drop trigger if exists audit_logs_no_truncate on public.audit_logs;
create trigger audit_logs_no_truncate before truncate on public.audit_logs
  for each statement execute function public.audit_logs_append_only();
