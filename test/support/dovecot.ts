/**
 * A real dovecot IMAP server on loopback, started from a generated config in a temp directory with a
 * passwd-file of test users. As root, mail is owned by the `dovecot` user (dovecot refuses uid 0);
 * otherwise everything runs as the current user. `scripts/test.sh` installs dovecot-imapd.
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort, waitForPort } from "./ports";

export interface Dovecot {
  host: string;
  port: number;
  users: Record<string, string>;
  /** Stops the server (dropping open sessions) and starts it again on the same port with the same mail. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export const IMAP_USER = "test";
export const IMAP_PASSWORD = "imap-secret";

function idOf(flag: "-u" | "-g", user: string): number {
  return Number(execFileSync("id", [flag, user], { encoding: "utf8" }).trim());
}

export async function startDovecot(users: Record<string, string> = { [IMAP_USER]: IMAP_PASSWORD }): Promise<Dovecot> {
  const dir = mkdtempSync(join(tmpdir(), "pigeonhole-dovecot-"));
  chmodSync(dir, 0o755);
  const mailDir = join(dir, "mail");
  const runDir = join(dir, "run");
  mkdirSync(mailDir);
  mkdirSync(runDir);
  const port = await freePort();

  const asRoot = process.getuid?.() === 0;
  const me = userInfo().username;
  const mailUid = asRoot ? idOf("-u", "dovecot") : process.getuid!();
  const mailGid = asRoot ? idOf("-g", "dovecot") : process.getgid!();
  if (asRoot) chownSync(mailDir, mailUid, mailGid);

  writeFileSync(join(dir, "users"), Object.entries(users).map(([u, p]) => `${u}:{PLAIN}${p}\n`).join(""));
  writeFileSync(
    join(dir, "dovecot.conf"),
    `base_dir = ${runDir}
state_dir = ${runDir}
instance_name = pigeonhole-test-${port}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = ${join(dir, "dovecot.log")}
default_internal_user = ${asRoot ? "dovecot" : me}
default_login_user = ${asRoot ? "dovenull" : me}
first_valid_uid = ${Math.min(mailUid, 100)}
mail_location = maildir:${mailDir}/%u
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${join(dir, "users")}
}
userdb {
  driver = static
  args = uid=${mailUid} gid=${mailGid} home=${mailDir}/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`,
  );

  const launch = async (): Promise<{ child: ChildProcess; exited: Promise<void> }> => {
    const child: ChildProcess = spawn("dovecot", ["-F", "-c", join(dir, "dovecot.conf")], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      await Promise.race([
        waitForPort(port, 15_000),
        exited.then(() => {
          throw new Error(`dovecot exited at start: ${stderr}`);
        }),
      ]);
    } catch (err) {
      child.kill("SIGKILL");
      throw err;
    }
    return { child, exited };
  };
  let running = await launch();
  const kill = async (signal: NodeJS.Signals) => {
    if (running.child.exitCode === null && running.child.signalCode === null) {
      running.child.kill(signal);
      await running.exited;
    }
  };

  return {
    host: "127.0.0.1",
    port,
    users,
    restart: async () => {
      // SIGTERM drops every open IMAP session at once (SIGKILL would leave login processes holding the
      // port); then the same config, port and mail directory, as a supervisor would restart it.
      await kill("SIGTERM");
      running = await launch();
    },
    stop: async () => {
      await kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
