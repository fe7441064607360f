/**
 * Endpoints local/auth does not implement answer the way a GoTrue with those features switched off does:
 * OAuth providers, SAML/SSO, phone/SMS, passkeys/WebAuthn, Web3, id_token, anonymous sign-ins.
 */
import type { Context, Hono } from "hono";
import type { AuthContext } from "../context";
import { readJson, optString } from "../context";
import { HttpError, badRequest, forbidden, notFound, unprocessable } from "../errors";

export function register(app: Hono, ctx: AuthContext): void {
  const providerDisabled = (c: Context) => {
    const provider = c.req.query("provider") ?? "";
    if (!provider) throw badRequest("validation_failed", "Unsupported provider: Provider  could not be found");
    throw badRequest("validation_failed", `Unsupported provider: provider ${provider} is not enabled`);
  };
  app.get("/authorize", providerDisabled);
  app.get("/user/identities/authorize", providerDisabled);
  app.on(["GET", "POST"], "/callback", () => {
    throw badRequest("bad_oauth_callback", "OAuth callback with missing authorization code");
  });

  // SAML / SSO
  app.post("/sso", () => {
    throw new HttpError(404, "saml_provider_disabled", "SAML 2.0 is disabled");
  });
  app.on(["GET", "POST"], "/sso/saml/*", () => {
    throw new HttpError(404, "saml_provider_disabled", "SAML 2.0 is disabled");
  });
  app.all("/admin/sso/*", () => {
    throw new HttpError(404, "saml_provider_disabled", "SAML 2.0 is disabled");
  });

  // passkeys / WebAuthn
  app.all("/passkeys/*", () => {
    throw new HttpError(404, "passkey_disabled", "Passkey authentication is not enabled");
  });
  app.all("/passkeys", () => {
    throw new HttpError(404, "passkey_disabled", "Passkey authentication is not enabled");
  });

  // OAuth 2.1 server
  app.all("/oauth/*", () => {
    throw notFound("feature_disabled", "OAuth server is disabled");
  });

  // phone change / SMS OTP paths that are reached with a phone number
  app.post("/sms", () => {
    throw unprocessable("sms_send_failed", "Unsupported phone provider");
  });

  // admin audit log is not exposed
  app.get("/admin/audit", () => {
    throw forbidden("feature_disabled", "Audit log API is disabled");
  });

  void ctx;
  void readJson;
  void optString;
}
