/**
 * Endpoints local/auth does not implement answer like a GoTrue with those features switched off:
 * OAuth providers (/authorize, identity linking), SAML/SSO, passkeys/WebAuthn, the OAuth 2.1 server,
 * admin audit/SSO APIs. (id_token and web3 grants: routes/token.ts; phone and anonymous sign-ups: signup/token.)
 */
import type { Context, Hono } from "hono";
import type { AuthContext } from "../context";
import { requireAdmin, requireAuth } from "../context";
import { HttpError, badRequest, notFound } from "../errors";
import { OAUTH_PROVIDERS } from "./meta";

function unsupportedProvider(c: Context): never {
  const name = (c.req.query("provider") ?? "").toLowerCase();
  if ((OAUTH_PROVIDERS as readonly string[]).includes(name)) throw badRequest("validation_failed", "Unsupported provider: provider is not enabled");
  throw badRequest("validation_failed", `Unsupported provider: Provider ${name} could not be found`);
}

const samlDisabled = () => {
  throw new HttpError(404, "saml_provider_disabled", "SAML 2.0 is disabled");
};
const passkeysDisabled = () => {
  throw new HttpError(404, "passkey_disabled", "Passkeys are disabled");
};
const oauthServerDisabled = () => {
  throw notFound("feature_disabled", "OAuth server is disabled");
};

export function register(app: Hono, ctx: AuthContext): void {
  app.get("/authorize", unsupportedProvider);
  app.get("/user/identities/authorize", async (c) => {
    await requireAuth(c, ctx);
    return unsupportedProvider(c);
  });
  app.on(["GET", "POST"], "/callback", () => {
    throw badRequest("bad_oauth_callback", "OAuth state parameter missing");
  });

  app.post("/sso", samlDisabled);
  app.all("/sso/*", samlDisabled);
  app.all("/admin/sso/*", async (c) => {
    await requireAdmin(c, ctx);
    return samlDisabled();
  });

  app.all("/passkeys", passkeysDisabled);
  app.all("/passkeys/*", passkeysDisabled);
  app.all("/admin/users/:id/passkeys", async (c) => {
    await requireAdmin(c, ctx);
    return passkeysDisabled();
  });
  app.all("/admin/users/:id/passkeys/*", async (c) => {
    await requireAdmin(c, ctx);
    return passkeysDisabled();
  });

  app.all("/oauth/*", oauthServerDisabled);
  app.all("/admin/oauth/*", async (c) => {
    await requireAdmin(c, ctx);
    return oauthServerDisabled();
  });
}
