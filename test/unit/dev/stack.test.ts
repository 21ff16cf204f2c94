/**
 * `npm start` (dev/start.ts -> dev/stack.ts) keeps secrets off command lines: the whole stack, Worker
 * included, on a free port with its own database and the test Redis; then every process it started
 * (wrangler, workerd, esbuild, …) is read from /proc/<pid>/cmdline and must not carry the database
 * password, the Upstash token or the admin token; the env file wrangler reads them from is 0600 in a
 * 0700 directory and is gone after Ctrl-C; and the printed output holds no Upstash token or database
 * password (the admin token is printed on purpose: it is the local dev token).
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, expect, inject, it, vi } from "vitest";
import { createDatabase, dropDatabase } from "../../../dev/postgres.ts";
import net from "node:net";

const ROOT = join(import.meta.dirname, "../../..");
const adminUrl = inject("postgresAdminUrl");
const realServer = inject("postgresKind") !== "embedded-pglite";
const dbName = `${process.env.TEST_DATABASE_NAME || "safeascent_test"}_stack`;

/**
 * A free port below the kernel's ephemeral range: wrangler binds it seconds after we pick it (after
 * migrating and seeding), and an ephemeral port may be handed to someone else meanwhile.
 */
async function freeFixedPort(): Promise<number> {
  const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * Math.max(1, Math.min(low!, 32_768) - 20_000));
    const ok = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(false));
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
    if (ok) return port;
  }
}

/** Every process below `root` (children, grandchildren, …), from /proc. */
function descendants(root: number): number[] {
  const parent = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid …"; comm may contain spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const [child, ppid] of parent) if (ppid === pid) out.push(child), walk(child);
  };
  walk(root);
  return out;
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
};

afterAll(async () => {
  if (realServer) await dropDatabase(adminUrl, dbName).catch(() => {});
});

it.runIf(realServer)("npm start passes no secret on a command line; the env file is private and removed on exit", { timeout: 240_000 }, async () => {
  await createDatabase(adminUrl, dbName, { recreate: true });
  const databaseUrl = new URL(adminUrl);
  databaseUrl.pathname = `/${dbName}`;
  const port = await freeFixedPort();
  const adminToken = `stack-test-admin-${Math.random().toString(36).slice(2)}`;
  // At low priority (inherited by wrangler and workerd): this test must not starve the Worker tests running beside it.
  const child = spawn("nice", ["-n", "15", join(ROOT, "node_modules/.bin/tsx"), "dev/start.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), DATABASE_URL: databaseUrl.toString(), REDIS_URL: inject("redisUrl") || "", ADMIN_TOKEN: adminToken },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes("SafeAscent Edge is running on")) clearInterval(timer), resolve();
        if (child.exitCode !== null) clearInterval(timer), reject(new Error(`npm start exited early:\n${output}`));
      }, 100);
    });

    const processes = descendants(child.pid!).map((pid) => ({ pid, argv: cmdline(pid) }));
    const wrangler = processes.find((p) => p.argv.includes("--env-file"));
    expect(wrangler, processes.map((p) => p.argv.join(" ")).join("\n")).toBeDefined();
    expect(processes.some((p) => p.argv.some((a) => a.endsWith("/workerd")))).toBe(true);
    const envFile = wrangler!.argv[wrangler!.argv.indexOf("--env-file") + 1]!;

    // The file: 0600 in a 0700 directory, holding exactly the three secrets.
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(envFile)).mode & 0o777).toBe(0o700);
    const secrets = Object.fromEntries(
      readFileSync(envFile, "utf8")
        .trim()
        .split("\n")
        .map((line) => {
          const m = /^([A-Z_]+)='(.*)'$/.exec(line)!;
          return [m[1]!, m[2]!.replace(/\\\$/g, "$")];
        }),
    );
    expect(
      Object.keys(secrets)
        .filter((k) => k !== "OPEN_METEO_API_KEY")
        .sort(),
    ).toEqual(["ADMIN_TOKEN", "DATABASE_URL", "UPSTASH_REDIS_REST_TOKEN"]);
    expect(secrets.ADMIN_TOKEN).toBe(adminToken);
    const dbPassword = decodeURIComponent(new URL(secrets.DATABASE_URL!).password);
    expect(dbPassword.length).toBeGreaterThanOrEqual(16);
    const upstashToken = secrets.UPSTASH_REDIS_REST_TOKEN!;

    // No process the stack started has a secret in its argv (what `ps` shows every local user).
    for (const p of [{ pid: child.pid!, argv: cmdline(child.pid!) }, ...processes]) {
      const line = p.argv.join(" ");
      for (const secret of [dbPassword, upstashToken, adminToken, ...(secrets.OPEN_METEO_API_KEY ? [secrets.OPEN_METEO_API_KEY] : [])])
        expect(line.includes(secret), `${p.pid}: ${line}`).toBe(false);
    }

    // The Worker got them: Postgres (DATABASE_URL), Redis (token) and the admin token all work.
    const base = `http://127.0.0.1:${port}`;
    const health = (await (await fetch(`${base}/health`)).json()) as { checks: Record<string, { status: string }> };
    expect(health.checks.postgres!.status).toBe("ok");
    expect(health.checks.redis!.status).toBe("ok");
    expect((await fetch(`${base}/admin/runs`, { headers: { Authorization: `Bearer ${adminToken}` } })).status).toBe(200);
    expect((await fetch(`${base}/admin/runs`, { headers: { Authorization: "Bearer wrong-token-0123456789" } })).status).toBe(401);

    // What npm start printed: the admin token (on purpose), never the Upstash token or the database password.
    expect(output).toContain(adminToken);
    expect(output.includes(upstashToken)).toBe(false);
    expect(output.includes(dbPassword)).toBe(false);

    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(existsSync(dirname(envFile))).toBe(false);
    // Everything it started stops with it (a child may take a moment after its parent is gone).
    const alive = () =>
      processes.filter((p) => existsSync(`/proc/${p.pid}`) && cmdline(p.pid).join(" ") === p.argv.join(" ")).map((p) => `${p.pid}: ${p.argv.join(" ")}`);
    await vi.waitFor(() => expect(alive()).toEqual([]), { timeout: 10_000, interval: 100 });
  } finally {
    if (child.exitCode === null) {
      // Only on failure: stop what this test started, by process id (children first).
      for (const pid of descendants(child.pid!).reverse()) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      child.kill("SIGKILL");
      await exited;
    }
  }
});
