CREATE TABLE `imap_checkpoints` (
	`mailbox_id` integer NOT NULL,
	`folder` text NOT NULL,
	`uidvalidity` text NOT NULL,
	`last_uid` integer NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`mailbox_id`, `folder`),
	FOREIGN KEY (`mailbox_id`) REFERENCES `mailboxes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `imap_mailbox_state` (
	`mailbox_id` integer PRIMARY KEY NOT NULL,
	`lease_until` text,
	`last_sync_at` text,
	`last_error` text,
	`blocked_at` text,
	`block_reason` text,
	`block_count` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`mailbox_id`) REFERENCES `mailboxes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `imap_messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`mailbox_id` integer NOT NULL,
	`key` text NOT NULL,
	`folder` text NOT NULL,
	`uid` integer NOT NULL,
	`kind` text NOT NULL,
	`matched` integer NOT NULL,
	`campaign_id` integer,
	`recipient_id` integer,
	`detail` text DEFAULT '{}' NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`mailbox_id`) REFERENCES `mailboxes`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE set null,
	FOREIGN KEY (`recipient_id`) REFERENCES `campaign_recipients`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `imap_messages_mailbox_key_uq` ON `imap_messages` (`mailbox_id`,`key`);--> statement-breakpoint
CREATE INDEX `imap_messages_mailbox_matched_idx` ON `imap_messages` (`mailbox_id`,`matched`,`id`);