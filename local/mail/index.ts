/**
 * Local mail catcher: an SMTP server that accepts every message and keeps it in memory,
 * plus a small web UI and JSON API to read what arrived (the stand-in for Supabase CLI's Inbucket/Mailpit).
 *
 *   SMTP  127.0.0.1:<smtpPort>   (default 54325) — no TLS, any AUTH accepted
 *   HTTP  127.0.0.1:<httpPort>   (default 54324)
 *     GET    /                       HTML list of messages
 *     GET    /messages/:id           HTML view of one message
 *     GET    /api/messages[?to=EMAIL] JSON, newest first
 *     GET    /api/messages/:id       JSON of one message
 *     DELETE /api/messages           remove every message
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser, type AddressObject } from "mailparser";
import { SMTPServer } from "smtp-server";

export type CaughtMessage = {
  id: string;
  from: string;
  to: string[];
  subject: string;
  date: string;
  text: string;
  html: string;
};

export type MailCatcher = {
  smtpPort: number;
  httpPort: number;
  httpUrl: string;
  /** Messages newest first (a copy). */
  messages(): CaughtMessage[];
  stop(): Promise<void>;
};

export type MailCatcherOptions = {
  smtpPort: number;
  httpPort: number;
  host?: string;
  /** Oldest messages are dropped beyond this many (default 1000). */
  maxMessages?: number;
  /** Largest accepted message in bytes (default 10 MiB). */
  maxMessageBytes?: number;
};

function addressList(value: AddressObject | AddressObject[] | undefined): string[] {
  if (!value) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((a) => a.value.map((v) => v.address ?? "").filter(Boolean));
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

/** http(s) links found in a message, for the web UI (so people can click verify links). */
export function extractLinks(msg: Pick<CaughtMessage, "text" | "html">): string[] {
  const found = new Set<string>();
  for (const m of msg.html.matchAll(/href\s*=\s*["']([^"']+)["']/gi)) {
    found.add(m[1]!.replace(/&amp;/g, "&"));
  }
  for (const m of msg.text.matchAll(/https?:\/\/[^\s<>"'\]]+/g)) found.add(m[0]);
  return [...found].filter((u) => /^https?:\/\//i.test(u));
}

const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; base-uri 'none'; form-action 'self'";

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}pre{white-space:pre-wrap;background:#f6f6f6;padding:1rem}
iframe{width:100%;height:30rem;border:1px solid #ddd}</style></head><body>${body}</body></html>`;
}

export async function startMailCatcher(opts: MailCatcherOptions): Promise<MailCatcher> {
  const host = opts.host ?? "127.0.0.1";
  const max = opts.maxMessages ?? 1000;
  const maxBytes = opts.maxMessageBytes ?? 10 * 1024 * 1024;
  const store: CaughtMessage[] = []; // newest first

  const smtp = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    authOptional: true,
    allowInsecureAuth: true,
    size: maxBytes,
    banner: "local mail catcher",
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? "local" });
    },
    onData(stream, session, callback) {
      simpleParser(stream, { maxHtmlLengthToParse: maxBytes })
        .then((parsed) => {
          if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
            callback(Object.assign(new Error("Message exceeds fixed maximum message size"), { responseCode: 552 }));
            return;
          }
          const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
          const headerTo = [...addressList(parsed.to), ...addressList(parsed.cc)];
          const to = envelopeTo.length > 0 ? envelopeTo : headerTo;
          const mailFrom = session.envelope.mailFrom;
          const from = parsed.from?.text ?? (mailFrom ? mailFrom.address : "");
          store.unshift({
            id: randomUUID(),
            from,
            to,
            subject: parsed.subject ?? "",
            date: new Date().toISOString(),
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
          });
          if (store.length > max) store.length = max;
          callback();
        })
        .catch((err: unknown) => {
          callback(Object.assign(new Error(`Could not parse message: ${String(err)}`), { responseCode: 554 }));
        });
    },
  });
  smtp.on("error", () => {
    /* per-connection errors (client resets) must not crash the catcher */
  });

  function send(res: ServerResponse, status: number, body: string, type: string): void {
    res.writeHead(status, {
      "content-type": type,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "content-security-policy": PAGE_CSP,
      "referrer-policy": "no-referrer",
    });
    res.end(body);
  }
  const json = (res: ServerResponse, status: number, data: unknown) =>
    send(res, status, JSON.stringify(data), "application/json; charset=utf-8");

  function handle(req: IncomingMessage, res: ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      json(res, 400, { error: "bad request" });
      return;
    }
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const method = req.method ?? "GET";
    const isRead = method === "GET" || method === "HEAD";

    if (path === "/api/messages") {
      if (isRead) {
        const to = url.searchParams.get("to")?.trim().toLowerCase();
        const list = to ? store.filter((m) => m.to.some((a) => a.toLowerCase() === to)) : store;
        json(res, 200, list);
        return;
      }
      if (method === "DELETE") {
        store.length = 0;
        json(res, 200, { deleted: true });
        return;
      }
      res.setHeader("allow", "GET, HEAD, DELETE");
      json(res, 405, { error: "method not allowed" });
      return;
    }
    const apiOne = /^\/api\/messages\/([^/]+)$/.exec(path);
    if (apiOne) {
      if (!isRead) {
        res.setHeader("allow", "GET, HEAD");
        json(res, 405, { error: "method not allowed" });
        return;
      }
      const msg = store.find((m) => m.id === apiOne[1]);
      if (msg) json(res, 200, msg);
      else json(res, 404, { error: "message not found" });
      return;
    }
    if (!isRead) {
      json(res, 405, { error: "method not allowed" });
      return;
    }
    if (path === "/") {
      const rows = store
        .map(
          (m) =>
            `<tr><td>${escapeHtml(m.date)}</td><td>${escapeHtml(m.from)}</td><td>${escapeHtml(m.to.join(", "))}</td>` +
            `<td><a href="/messages/${encodeURIComponent(m.id)}">${escapeHtml(m.subject || "(no subject)")}</a></td></tr>`,
        )
        .join("");
      const body =
        `<h1>Local mail catcher</h1><p>${store.length} message(s). JSON: <a href="/api/messages">/api/messages</a></p>` +
        `<table><thead><tr><th>Received</th><th>From</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows}</tbody></table>`;
      send(res, 200, page("Mail", body), "text/html; charset=utf-8");
      return;
    }
    const view = /^\/messages\/([^/]+)(\/html)?$/.exec(path);
    if (view) {
      const msg = store.find((m) => m.id === view[1]);
      if (!msg) {
        send(res, 404, page("Not found", "<p>Message not found. <a href=\"/\">Back</a></p>"), "text/html; charset=utf-8");
        return;
      }
      if (view[2]) {
        // The message's own HTML, shown only inside a sandboxed frame (no scripts, no same-origin access).
        res.writeHead(200, {
          "content-type": "text/html; charset=utf-8",
          "cache-control": "no-store",
          "x-content-type-options": "nosniff",
          "content-security-policy": "sandbox allow-popups allow-popups-to-escape-sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
        });
        res.end(msg.html);
        return;
      }
      const links = extractLinks(msg)
        .map((l) => `<li><a href="${escapeHtml(l)}" rel="noreferrer" target="_blank">${escapeHtml(l)}</a></li>`)
        .join("");
      const body =
        `<p><a href="/">← all messages</a></p><h1>${escapeHtml(msg.subject || "(no subject)")}</h1>` +
        `<p><b>From:</b> ${escapeHtml(msg.from)}<br><b>To:</b> ${escapeHtml(msg.to.join(", "))}<br><b>Received:</b> ${escapeHtml(msg.date)}</p>` +
        (links ? `<h2>Links</h2><ul>${links}</ul>` : "") +
        (msg.html
          ? `<h2>HTML</h2><iframe sandbox="allow-popups allow-popups-to-escape-sandbox" src="/messages/${encodeURIComponent(msg.id)}/html" title="message HTML"></iframe>`
          : "") +
        `<h2>Text</h2><pre>${escapeHtml(msg.text)}</pre>`;
      send(res, 200, page(msg.subject || "Message", body), "text/html; charset=utf-8");
      return;
    }
    json(res, 404, { error: "not found" });
  }

  const http: Server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch {
      if (!res.headersSent) json(res, 500, { error: "internal error" });
      else res.end();
    }
  });

  await listen(http, opts.httpPort, host, "mail catcher web UI");
  try {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => reject(portError(err, opts.smtpPort, host, "mail catcher SMTP"));
      smtp.server.once("error", onError);
      smtp.listen(opts.smtpPort, host, () => {
        smtp.server.off("error", onError);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((r) => http.close(() => r()));
    throw err;
  }
  const httpPort = (http.address() as AddressInfo).port;
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  let stopped = false;
  return {
    smtpPort,
    httpPort,
    httpUrl: `http://${host}:${httpPort}`,
    messages: () => [...store],
    async stop() {
      if (stopped) return;
      stopped = true;
      http.closeAllConnections?.();
      await Promise.all([
        new Promise<void>((r) => http.close(() => r())),
        new Promise<void>((r) => smtp.close(() => r())),
      ]);
    },
  };
}

function portError(err: NodeJS.ErrnoException, port: number, host: string, what: string): Error {
  if (err.code === "EADDRINUSE") return new Error(`${what}: port ${port} on ${host} is already in use`);
  return new Error(`${what}: cannot listen on ${host}:${port}: ${err.message}`);
}

function listen(server: Server, port: number, host: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(portError(err, port, host, what));
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}
