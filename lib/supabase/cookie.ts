/**
 * The auth cookie / storage name shared by the browser and server clients. Both must agree, and the browser
 * client's URL (the app's own origin) differs from the server's (the upstream project), so the name is explicit
 * instead of being derived from the URL.
 */
export const AUTH_COOKIE_NAME = "sb-mindroom-auth";
