/**
 * Route modules of the local auth server. Each exports `register(app, ctx)` and adds paths relative to
 * /auth/v1. Order matters only for overlapping paths (none today).
 */
import type { Hono } from "hono";
import type { AuthContext } from "../context";
import * as meta from "./meta";
import * as signup from "./signup";
import * as token from "./token";
import * as user from "./user";
import * as logout from "./logout";
import * as admin from "./admin";
import * as disabled from "./disabled";
import * as recover from "./recover";
import * as verify from "./verify";
import * as otp from "./otp";
import * as resend from "./resend";
import * as reauthenticate from "./reauthenticate";
import * as invite from "./invite";
import * as generateLink from "./generate-link";
import * as factors from "./factors";

export interface RouteModule {
  register(app: Hono, ctx: AuthContext): void;
}

export const routeModules: RouteModule[] = [meta, signup, token, user, logout, admin, recover, verify, otp, resend, reauthenticate, invite, generateLink, factors, disabled];
