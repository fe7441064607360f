/** GET /health, GET /settings, GET /.well-known/jwks.json */
import type { Hono } from "hono";
import type { AuthContext } from "../context";

export const VERSION = "v2.180.0-local";

/** OAuth providers GoTrue knows (all disabled here). */
export const OAUTH_PROVIDERS = [
  "apple", "azure", "bitbucket", "discord", "facebook", "snapchat", "figma", "fly", "github", "gitlab", "google", "keycloak",
  "kakao", "linkedin", "linkedin_oidc", "notion", "spotify", "slack", "slack_oidc", "workos", "twitch", "twitter", "x", "zoom",
] as const;

const PROVIDERS = [
  "anonymous_users", "apple", "azure", "bitbucket", "discord", "facebook", "snapchat", "figma", "fly", "github", "gitlab",
  "google", "keycloak", "kakao", "linkedin", "linkedin_oidc", "notion", "spotify", "slack", "slack_oidc", "workos",
  "twitch", "twitter", "email", "phone", "zoom",
] as const;

export function register(app: Hono, ctx: AuthContext): void {
  app.get("/health", (c) =>
    c.json({ version: VERSION, name: "GoTrue", description: "GoTrue is a user registration and authentication API" }),
  );

  app.get("/settings", (c) => {
    const external: Record<string, boolean> = {};
    for (const p of PROVIDERS) external[p] = false;
    external.email = ctx.config.externalEmailEnabled;
    external.anonymous_users = ctx.config.anonymousEnabled;
    return c.json({
      external,
      disable_signup: ctx.config.disableSignup,
      mailer_autoconfirm: ctx.config.mailerAutoconfirm,
      phone_autoconfirm: false,
      sms_provider: "",
      saml_enabled: false,
      saml_private_key_next_configured: false,
      passkeys_enabled: false,
    });
  });

  app.get("/.well-known/jwks.json", (c) => {
    c.header("Cache-Control", "public, max-age=600");
    return c.json(ctx.keys.jwks());
  });
}
