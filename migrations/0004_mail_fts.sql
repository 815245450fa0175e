-- Full-text index over message subject + body (hand-written: drizzle-kit does not model FTS5).
-- External content: the text lives once, in `messages`; the triggers keep the index in step with every
-- insert, update and delete, so search never sees a message the table lacks (or misses one it has).
CREATE VIRTUAL TABLE `messages_fts` USING fts5(
	subject,
	body_md,
	content='messages',
	content_rowid='id',
	tokenize='unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER `messages_fts_insert` AFTER INSERT ON `messages` BEGIN
	INSERT INTO messages_fts(rowid, subject, body_md) VALUES (new.id, new.subject, new.body_md);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_delete` AFTER DELETE ON `messages` BEGIN
	INSERT INTO messages_fts(messages_fts, rowid, subject, body_md) VALUES ('delete', old.id, old.subject, old.body_md);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_update` AFTER UPDATE OF subject, body_md ON `messages` BEGIN
	INSERT INTO messages_fts(messages_fts, rowid, subject, body_md) VALUES ('delete', old.id, old.subject, old.body_md);
	INSERT INTO messages_fts(rowid, subject, body_md) VALUES (new.id, new.subject, new.body_md);
END;
