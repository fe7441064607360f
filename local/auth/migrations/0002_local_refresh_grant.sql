-- local/auth only (not part of GoTrue's schema): the refresh_token grant as ONE round trip.
-- Same rules as GoTrue's tokens.Service.RefreshTokenGrant: the token row and its session are locked; a revoked
-- token whose child is the active token gets that child back; a revoked token reused within the reuse interval
-- gets a new child; outside it the whole session's token family is revoked (committed) and 'already_used' returned.
create schema if not exists local_auth;

create or replace function local_auth.refresh_token_grant(
  p_token text,
  p_new_token text,
  p_reuse_seconds double precision,
  p_rotation boolean,
  p_inactivity_seconds double precision,
  p_user_agent text,
  p_ip inet
) returns json
language plpgsql
as $$
declare
  t auth.refresh_tokens%rowtype;
  s auth.sessions%rowtype;
  u_banned timestamptz;
  u_found boolean;
  a_token text;
  a_parent text;
  issued text;
begin
  select * into t from auth.refresh_tokens where token = p_token for update;
  if not found then
    return json_build_object('status', 'not_found');
  end if;
  select banned_until, true into u_banned, u_found from auth.users where id::text = t.user_id;
  if u_found is null then
    return json_build_object('status', 'not_found');
  end if;
  if u_banned is not null and u_banned > now() then
    return json_build_object('status', 'banned', 'user_id', t.user_id);
  end if;
  select * into s from auth.sessions where id = t.session_id for update;
  if not found then
    delete from auth.refresh_tokens where id = t.id;
    return json_build_object('status', 'no_session', 'user_id', t.user_id);
  end if;
  if s.not_after is not null and s.not_after < now() then
    return json_build_object('status', 'expired', 'user_id', t.user_id);
  end if;
  if p_inactivity_seconds > 0 and not coalesce(t.revoked, false)
     and t.updated_at + make_interval(secs => p_inactivity_seconds) < now() then
    return json_build_object('status', 'inactive', 'user_id', t.user_id);
  end if;

  if coalesce(t.revoked, false) then
    select token, parent into a_token, a_parent
      from auth.refresh_tokens where session_id = s.id and revoked = false order by id desc limit 1;
    if a_token is not null and a_parent = t.token then
      issued := a_token;
    elsif now() > t.updated_at + make_interval(secs => p_reuse_seconds) then
      if p_rotation then
        update auth.refresh_tokens set revoked = true, updated_at = now() where session_id = s.id and revoked = false;
      end if;
      insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
      values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(),
              json_build_object('actor_id', t.user_id, 'actor_username', '', 'actor_via_sso', false, 'action', 'token_revoked',
                                'log_type', 'token', 'traits', json_build_object('reason', 'refresh_token_reuse', 'session_id', s.id)),
              now(), coalesce(host(p_ip), ''));
      return json_build_object('status', 'already_used', 'user_id', t.user_id, 'session_id', s.id);
    end if;
  end if;

  if issued is null then
    update auth.refresh_tokens set revoked = true, updated_at = now() where id = t.id;
    insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
    values ('00000000-0000-0000-0000-000000000000', p_new_token, t.user_id, false, now(), now(), t.token, s.id);
    issued := p_new_token;
  end if;

  update auth.sessions
     set refreshed_at = timezone('utc', now()), updated_at = now(),
         user_agent = coalesce(p_user_agent, user_agent), ip = coalesce(p_ip, ip)
   where id = s.id;
  insert into auth.audit_log_entries (instance_id, id, payload, created_at, ip_address)
  values ('00000000-0000-0000-0000-000000000000', gen_random_uuid(),
          json_build_object('actor_id', t.user_id, 'actor_username', '', 'actor_via_sso', false, 'action', 'token_refreshed',
                            'log_type', 'token', 'traits', '{}'::json),
          now(), coalesce(host(p_ip), ''));

  return json_build_object(
    'status', 'ok',
    'token', issued,
    'session_id', s.id,
    'aal', s.aal,
    'user', (
      select row_to_json(x) from (
        select u.*,
          coalesce((select json_agg(i order by i.created_at) from auth.identities i where i.user_id = u.id), '[]'::json) as identities,
          coalesce((select json_agg(f order by f.created_at) from auth.mfa_factors f where f.user_id = u.id), '[]'::json) as factors
        from auth.users u where u.id::text = t.user_id
      ) x
    ),
    'amr', coalesce((
      select json_agg(json_build_object('method', a.authentication_method, 'timestamp', extract(epoch from a.updated_at)::bigint)
                      order by a.updated_at desc)
        from auth.mfa_amr_claims a where a.session_id = s.id), '[]'::json)
  );
end
$$;
