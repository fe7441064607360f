/**
 * `npm run scan:headers`: serves the production build behind a local TLS terminator and runs Mozilla's HTTP
 * Observatory scanner (@mdn/mdn-http-observatory) against it, printing the grade, the score and every test.
 *
 * - The certificate is generated at run time with the openssl CLI into a temporary directory (no committed keys) and
 *   trusted only by the scanner process (NODE_EXTRA_CA_CERTS), so the scan sees a verified HTTPS site.
 * - One port serves both protocols: TLS goes to the HTTPS proxy, plain HTTP gets a 301 to HTTPS (the scanner's
 *   redirection test), because the scanner only takes a host[:port].
 * - The scanner is installed with --ignore-scripts (its postinstall downloads lists); its HSTS preload list is
 *   created empty here when missing.
 * Exit code 1 when the grade is below A+ (SCAN_MIN_GRADE to change).
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { Duplex } from "node:stream";
import path from "node:path";
import { freePort } from "@/local/ports";
import { ROOT, ensureProductionBuild, startNext, type NextServer } from "@/scripts/lib/production-build";

const GRADES = ["A+", "A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"];
const log = (line: string) => process.stdout.write(`${line}\n`);

function generateCertificate(dir: string): { key: string; cert: string; certPath: string } {
  const keyPath = path.join(dir, "key.pem");
  const certPath = path.join(dir, "cert.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=DNS:localhost", "-addext", "basicConstraints=critical,CA:TRUE", "-keyout", keyPath, "-out", certPath],
    { stdio: "ignore" },
  );
  return { key: readFileSync(keyPath, "utf8"), cert: readFileSync(certPath, "utf8"), certPath };
}

/** TLS terminator + HTTP→HTTPS redirect on one port, forwarding to `next start` as a trusted proxy (1 hop). */
async function startTerminator(port: number, upstreamPort: number, tls: { key: string; cert: string }) {
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    const previous = req.headers["x-forwarded-for"];
    const headers = {
      ...req.headers,
      // The TLS side runs over a Duplex without a peer address; every client here is on the loopback.
      "x-forwarded-for": [previous, req.socket.remoteAddress ?? "127.0.0.1"].filter(Boolean).join(", "),
      "x-forwarded-proto": "https",
    };
    const upstream = httpRequest({ host: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => {
      res.writeHead(502).end();
    });
    req.pipe(upstream);
  };
  const https = createHttpsServer({ key: tls.key, cert: tls.cert }, forward);
  const http = createHttpServer((req, res) => {
    res.writeHead(301, { location: `https://localhost:${port}${req.url ?? "/"}` }).end();
  });
  const onConnection = (socket: Socket) => {
    socket.once("data", (first: Buffer) => {
      socket.pause();
      // 0x16 = TLS handshake record: the client speaks TLS.
      if (first[0] !== 0x16) {
        socket.unshift(first);
        http.emit("connection", socket);
        socket.resume();
        return;
      }
      // TLS reads straight from a net.Socket's handle, past anything unshifted; a plain Duplex replays the first chunk.
      const stream = new Duplex({
        read: () => void socket.resume(),
        write: (chunk: Buffer, _encoding, done) => void socket.write(chunk, done),
        final: (done) => void socket.end(done),
        destroy: (error, done) => (socket.destroy(), done(error)),
      });
      stream.push(first);
      socket.on("data", (chunk: Buffer) => {
        if (!stream.push(chunk)) socket.pause();
      });
      socket.on("end", () => stream.push(null));
      https.emit("connection", stream);
    });
    socket.on("error", () => socket.destroy());
  };
  // "localhost" may resolve to ::1 or 127.0.0.1: listen on both loopback addresses, nothing else.
  const servers = [createNetServer(onConnection), createNetServer(onConnection)];
  await Promise.all(
    servers.map((server, i) => new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, i === 0 ? "127.0.0.1" : "::1", resolve))),
  );
  return { close: () => Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))).then(() => undefined) };
}

type ScanOutput = {
  scan?: { grade: string; score: number; testsPassed: number; testsQuantity: number; statusCode: number };
  tests?: Record<string, { pass: boolean; result: string; scoreModifier: number }>;
  error?: string;
};

function runScanner(host: string, certPath: string): Promise<ScanOutput> {
  const pkgDir = path.join(ROOT, "node_modules/@mdn/mdn-http-observatory");
  if (!existsSync(pkgDir)) throw new Error("@mdn/mdn-http-observatory is not installed (npm install --ignore-scripts)");
  const preload = path.join(pkgDir, "conf/hsts-preload.json");
  if (!existsSync(preload)) writeFileSync(preload, "{}\n");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(pkgDir, "src/scan.js"), host], {
      // Trust exactly this run's certificate, in the scanner process only.
      env: { ...process.env, NODE_EXTRA_CA_CERTS: certPath },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.on("error", reject);
    child.on("exit", () => {
      try {
        resolve(JSON.parse(out) as ScanOutput);
      } catch {
        reject(new Error(`scanner printed no JSON:\n${out.slice(0, 2000)}`));
      }
    });
  });
}

async function main(): Promise<number> {
  const tmp = mkdtempSync(path.join(tmpdir(), "scan-headers-"));
  let next: NextServer | undefined;
  let terminator: { close(): Promise<void> } | undefined;
  try {
    await ensureProductionBuild({ log: (line) => log(`[build] ${line}`) });
    const tls = generateCertificate(tmp);
    const [publicPort, appPort, closed] = await Promise.all([freePort(), freePort(), freePort()]);
    const origin = `https://localhost:${publicPort}`;
    next = await startNext({
      port: appPort,
      env: {
        NEXT_PUBLIC_SITE_URL: origin,
        ALLOWED_HOSTS: `localhost:${publicPort}`,
        ALLOWED_ORIGINS: origin,
        TRUSTED_PROXY_HOPS: "1",
        // The scanned pages need no backing service; unreachable stores exercise the fail-closed paths.
        DATABASE_URL: `postgres://scan@127.0.0.1:${closed}/scan`,
        UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${closed}`,
        UPSTASH_REDIS_REST_TOKEN: "scan",
      },
    });
    terminator = await startTerminator(publicPort, appPort, tls);
    log(`scanning ${origin} (production build behind a local TLS terminator) …`);
    const result = await runScanner(`localhost:${publicPort}`, tls.certPath);
    if (!result.scan || !result.tests) {
      log(`scan failed: ${result.error ?? "no result"}`);
      return 1;
    }
    for (const [name, test] of Object.entries(result.tests)) {
      const modifier = test.scoreModifier > 0 ? `+${test.scoreModifier}` : String(test.scoreModifier);
      log(`  ${test.pass ? "pass" : "FAIL"}  ${name.padEnd(28)} ${modifier.padStart(4)}  ${test.result}`);
    }
    log(`grade ${result.scan.grade}, score ${result.scan.score} (${result.scan.testsPassed}/${result.scan.testsQuantity} tests passed)`);
    const minimum = process.env.SCAN_MIN_GRADE ?? "A+";
    return GRADES.indexOf(result.scan.grade) <= GRADES.indexOf(minimum) ? 0 : 1;
  } finally {
    await terminator?.close();
    await next?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`scan:headers failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
