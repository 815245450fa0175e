/**
 * The coordinator's SQLite schema, as ordered migrations; `meta.schema_version` records how many ran.
 *
 * Tables:
 *  - meta: schema_version; project_slug; mail_project (the project whose D1 mail the archive follows) and
 *    mail_cursor (the last message id read from D1 into the outbox).
 *  - claims: one row per lease. A partial unique index keeps one live row per (agent, pattern), so re-claiming
 *    updates in place. Released/expired rows stay as history (released_ts + release_reason). Indexed by pattern
 *    for the archive, which reads a pattern's claims when it commits their file.
 *  - agent_activity: last claim/check call per agent, one input to the force-release inactivity rule.
 *  - archive_jobs: the archive's transactional outbox. A job (files + commit message) is inserted in the same
 *    transaction as the change it records and deleted when its commit is in R2; the alarm retries leftovers.
 *  - archive_done: idempotency keys of committed jobs (message:<id>, …) → commit oid.
 *  - archive_files / archive_dirs: the head commit's tree, flattened (path → blob/tree oid), so a commit rewrites
 *    only the trees on the changed paths. archive_refs: refs/heads/main.
 *  - archive_commits: each commit's message and time, newest last by rowid: the dashboard's `git log` without
 *    reading packs back from R2 (commits made before this table existed are not listed there).
 *  - archive_packs: the packs in R2, oldest first by rowid; live ones are listed in `objects/info/packs`, merged-away
 *    ones carry retired_ts until their files are deleted. Every commit uploads one pack; objects that earlier
 *    versions uploaded loose stay loose and are served as such (archive_loose tracked them and is gone).
 */
export const SCHEMA_MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  `CREATE TABLE claims (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     agent_id INTEGER NOT NULL,
     agent_name TEXT NOT NULL,
     path_pattern TEXT NOT NULL,
     exclusive INTEGER NOT NULL,
     reason TEXT NOT NULL DEFAULT '',
     created_ts TEXT NOT NULL,
     expires_ts TEXT NOT NULL,
     released_ts TEXT,
     release_reason TEXT
   );
   CREATE UNIQUE INDEX claims_live_unique ON claims (agent_id, path_pattern) WHERE released_ts IS NULL;
   CREATE INDEX claims_live_expiry ON claims (expires_ts) WHERE released_ts IS NULL;
   CREATE TABLE agent_activity (agent_id INTEGER PRIMARY KEY, agent_name TEXT NOT NULL, last_ts TEXT NOT NULL);`,
  `CREATE TABLE archive_jobs (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     key TEXT NOT NULL UNIQUE,
     payload TEXT NOT NULL,
     attempts INTEGER NOT NULL DEFAULT 0,
     last_error TEXT
   );
   CREATE TABLE archive_done (key TEXT PRIMARY KEY, commit_oid TEXT NOT NULL, committed_ts TEXT NOT NULL);
   CREATE TABLE archive_files (path TEXT PRIMARY KEY, dir TEXT NOT NULL, name TEXT NOT NULL, oid TEXT NOT NULL);
   CREATE INDEX archive_files_dir ON archive_files (dir);
   CREATE TABLE archive_dirs (path TEXT PRIMARY KEY, dir TEXT, name TEXT NOT NULL, oid TEXT NOT NULL);
   CREATE INDEX archive_dirs_dir ON archive_dirs (dir);
   CREATE TABLE archive_refs (name TEXT PRIMARY KEY, oid TEXT NOT NULL);`,
  `CREATE TABLE archive_loose (oid TEXT PRIMARY KEY);
   CREATE TABLE archive_packs (name TEXT PRIMARY KEY, objects INTEGER NOT NULL, created_ts TEXT NOT NULL);`,
  `DROP TABLE archive_loose;
   ALTER TABLE archive_packs ADD COLUMN retired_ts TEXT;
   CREATE TABLE archive_commits (oid TEXT PRIMARY KEY, message TEXT NOT NULL, author TEXT NOT NULL, committed_ts TEXT NOT NULL);`,
  `CREATE INDEX claims_pattern ON claims (path_pattern);`,
];

/** Bump by adding a migration above; the object migrates itself on wake. */
export const SCHEMA_VERSION = SCHEMA_MIGRATIONS.length;
