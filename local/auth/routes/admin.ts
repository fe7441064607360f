/** Admin user API: GET/POST /admin/users, GET/PUT/DELETE /admin/users/:id (service_role bearer). */
import { randomBytes } from "node:crypto";
import type { Context, Hono } from "hono";
import type { AuthContext } from "../context";
import { withTransaction } from "../tx";
import { clientIp, isUuid, optBool, optObject, optString, readJson, requireAdmin } from "../context";
import { parseDuration } from "../config";
import { badRequest, notFound, unprocessable } from "../errors";
import { logoutSessions, updatePassword } from "../sessions";
import {
  audit,
  checkPasswordStrength,
  confirmEmail,
  findUserByEmail,
  getUser,
  hashPassword,
  insertUserWithEmailIdentity,
  mergeMeta,
  serializeUser,
  validateEmail,
  type UserRecord,
} from "../users";

/** ban_duration: "none" → unban (0); Go duration → seconds; bad format → 400. undefined when absent. */
function parseBan(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (raw === "none") return 0;
  try {
    const s = parseDuration(raw);
    if (s < 0) throw new Error("negative");
    return s;
  } catch {
    throw badRequest("validation_failed", `invalid format for ban duration: time: invalid duration "${raw}"`);
  }
}

async function loadTarget(c: Context, ctx: AuthContext): Promise<UserRecord> {
  const id = c.req.param("id") ?? "";
  if (!isUuid(id)) throw notFound("validation_failed", "user_id must be an UUID");
  const user = await getUser(ctx.db, id);
  if (!user) throw notFound("user_not_found", "User not found");
  return user;
}

export function register(app: Hono, ctx: AuthContext): void {
  app.get("/admin/users", async (c) => {
    await requireAdmin(c, ctx);
    const pageRaw = c.req.query("page");
    const perPageRaw = c.req.query("per_page");
    const parse = (v: string | undefined, def: number) => {
      if (v === undefined || v === "") return def;
      if (!/^\d+$/.test(v)) throw badRequest("validation_failed", `Bad Pagination Parameters: strconv.ParseUint: parsing "${v}": invalid syntax`);
      return Number(v);
    };
    const page = Math.max(1, parse(pageRaw, 1));
    const perPage = Math.min(1000, Math.max(1, parse(perPageRaw, 50)));
    const filter = c.req.query("filter") ?? "";
    const like = `%${filter.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    const where = filter
      ? `where aud = 'authenticated' and (email ilike $1 or raw_user_meta_data->>'full_name' ilike $1)`
      : `where aud = 'authenticated' and $1::text is not null`;
    const total = Number((await ctx.db.query<{ n: string }>(`select count(*) as n from auth.users ${where}`, [like])).rows[0]!.n);
    const { rows } = await ctx.db.query<{ id: string }>(
      `select id from auth.users ${where} order by created_at desc, id limit $2 offset $3`,
      [like, perPage, (page - 1) * perPage],
    );
    const users = [];
    for (const r of rows) {
      const u = await getUser(ctx.db, r.id);
      if (u) users.push(serializeUser(u));
    }
    const totalPages = Math.ceil(total / perPage);
    const url = new URL(c.req.url);
    const link = (p: number) => {
      const q = new URLSearchParams(url.search);
      q.set("page", String(p));
      const sorted = new URLSearchParams([...q.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      return `</admin/users?${sorted.toString()}>`;
    };
    let header = "";
    if (totalPages > page) header += `${link(page + 1)}; rel="next", `;
    header += `${link(totalPages)}; rel="last"`;
    c.header("Link", header);
    c.header("X-Total-Count", String(total));
    return c.json({ users, aud: "authenticated" });
  });

  app.post("/admin/users", async (c) => {
    const admin = await requireAdmin(c, ctx);
    const body = await readJson(c, ctx);
    const emailRaw = optString(body, "email") ?? "";
    const phone = optString(body, "phone") ?? "";
    const passwordRaw = optString(body, "password");
    const passwordHash = optString(body, "password_hash") ?? "";
    const emailConfirm = optBool(body, "email_confirm") ?? false;
    optBool(body, "phone_confirm");
    const userMeta = optObject(body, "user_metadata") ?? optObject(body, "data") ?? {};
    const appMeta = optObject(body, "app_metadata") ?? {};
    const role = optString(body, "role") ?? "";
    const ban = parseBan(optString(body, "ban_duration"));
    const id = optString(body, "id");

    if (emailRaw === "" && phone === "") throw badRequest("validation_failed", "Cannot create a user without either an email or phone");
    if (phone !== "") throw badRequest("phone_provider_disabled", "Phone signups are disabled");
    const email = validateEmail(emailRaw);
    if (await findUserByEmail(ctx.db, email)) {
      throw unprocessable("email_exists", "A user with this email address has already been registered");
    }
    if (passwordRaw && passwordHash) throw badRequest("validation_failed", "Only a password or a password hash should be provided");
    if (passwordHash && !/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(passwordHash)) {
      throw badRequest("validation_failed", "Invalid password hash format");
    }
    if (passwordRaw) checkPasswordStrength(ctx.config, passwordRaw);
    if (id !== undefined && !isUuid(id)) throw badRequest("validation_failed", "ID must conform to the uuid v4 format");
    if (id === "00000000-0000-0000-0000-000000000000") throw badRequest("validation_failed", "ID cannot be a nil uuid");
    if (id !== undefined && (await getUser(ctx.db, id))) throw unprocessable("email_exists", "A user with this ID already exists");
    const password = passwordRaw || randomBytes(48).toString("base64url");

    const userId = await withTransaction(ctx, async (client) => {
      const newId = await insertUserWithEmailIdentity(client, {
        id,
        email,
        password: passwordHash ? null : password,
        userMetadata: userMeta,
        appMetadata: appMeta,
        confirmed: emailConfirm,
        role: role || ctx.config.jwtDefaultGroupName,
        banDurationSeconds: ban || null,
      });
      if (passwordHash) await client.query(`update auth.users set encrypted_password = $2 where id = $1`, [newId, passwordHash]);
      await audit(client, "user_signedup", { id: String(admin.sub ?? ""), email: "" }, clientIp(c), { user_id: newId, user_email: email, provider: "email" }, "team");
      return newId;
    });
    return c.json(serializeUser((await getUser(ctx.db, userId))!));
  });

  app.get("/admin/users/:id", async (c) => {
    await requireAdmin(c, ctx);
    return c.json(serializeUser(await loadTarget(c, ctx)));
  });

  app.put("/admin/users/:id", async (c) => {
    const admin = await requireAdmin(c, ctx);
    const user = await loadTarget(c, ctx);
    const body = await readJson(c, ctx);
    const emailRaw = optString(body, "email") ?? "";
    const phone = optString(body, "phone") ?? "";
    const password = optString(body, "password");
    const emailConfirm = optBool(body, "email_confirm") ?? false;
    optBool(body, "phone_confirm");
    const userMeta = optObject(body, "user_metadata");
    const appMeta = optObject(body, "app_metadata");
    const role = optString(body, "role") ?? "";
    const ban = parseBan(optString(body, "ban_duration"));

    const email = emailRaw !== "" ? validateEmail(emailRaw) : "";
    if (phone !== "") throw badRequest("phone_provider_disabled", "Phone signups are disabled");
    if (email && email !== user.email) {
      const dup = await findUserByEmail(ctx.db, email);
      if (dup && dup.id !== user.id) throw unprocessable("email_exists", "A user with this email address has already been registered");
    }
    let newHash: string | null = null;
    if (password !== undefined) {
      checkPasswordStrength(ctx.config, password);
      newHash = await hashPassword(password);
    }

    await withTransaction(ctx, async (client) => {
      if (role) await client.query(`update auth.users set role = $2, updated_at = now() where id = $1`, [user.id, role]);
      if (emailConfirm) await confirmEmail(client, user.id);
      // GoTrue's admin password change ends every session of the user
      if (newHash !== null) await updatePassword(client, user.id, newHash, null);
      if (email && email !== user.email) {
        await client.query(`update auth.users set email = $2, updated_at = now() where id = $1`, [user.id, email]);
        await client.query(
          `update auth.identities set identity_data = identity_data || jsonb_build_object('email', $2::text), updated_at = now()
            where user_id = $1 and provider = 'email'`,
          [user.id, email],
        );
      }
      if (userMeta !== undefined) {
        await client.query(`update auth.users set raw_user_meta_data = $2, updated_at = now() where id = $1`, [
          user.id,
          JSON.stringify(mergeMeta(user.raw_user_meta_data, userMeta)),
        ]);
      }
      if (appMeta !== undefined) {
        await client.query(`update auth.users set raw_app_meta_data = $2, updated_at = now() where id = $1`, [
          user.id,
          JSON.stringify(mergeMeta(user.raw_app_meta_data, appMeta)),
        ]);
      }
      if (ban !== undefined) {
        const until = ban === 0 ? null : new Date(Date.now() + ban * 1000);
        await client.query(`update auth.users set banned_until = $2, updated_at = now() where id = $1`, [user.id, until]);
        // a ban ends every session of the user (refresh tokens cascade)
        if (until) await logoutSessions(client, user.id, null, "global");
      }
      await audit(client, "user_modified", { id: String(admin.sub ?? ""), email: "" }, clientIp(c), { user_id: user.id, user_email: user.email }, "user");
    });
    return c.json(serializeUser((await getUser(ctx.db, user.id))!));
  });

  app.delete("/admin/users/:id", async (c) => {
    const admin = await requireAdmin(c, ctx);
    const user = await loadTarget(c, ctx);
    const body = await readJson(c, ctx, { allowEmpty: true });
    const soft = optBool(body, "should_soft_delete") ?? false;
    await withTransaction(ctx, async (client) => {
      await audit(client, "user_deleted", { id: String(admin.sub ?? ""), email: "" }, clientIp(c), { user_id: user.id, user_email: user.email }, "team");
      if (soft) {
        await client.query(
          `update auth.users set deleted_at = now(), email = null, phone = null, encrypted_password = '',
                  raw_user_meta_data = '{}'::jsonb, raw_app_meta_data = '{}'::jsonb, updated_at = now()
            where id = $1`,
          [user.id],
        );
        await client.query(`delete from auth.identities where user_id = $1`, [user.id]);
        await client.query(`delete from auth.mfa_factors where user_id = $1`, [user.id]);
        await logoutSessions(client, user.id, null, "global");
      } else {
        await client.query(`delete from auth.users where id = $1`, [user.id]);
      }
    });
    return c.json({});
  });

}
