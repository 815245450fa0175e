CREATE TABLE `campaign_counters` (
	`campaign_id` integer PRIMARY KEY NOT NULL,
	`opened_unique` integer DEFAULT 0 NOT NULL,
	`opened_total` integer DEFAULT 0 NOT NULL,
	`clicked_unique` integer DEFAULT 0 NOT NULL,
	`clicked_total` integer DEFAULT 0 NOT NULL,
	`bounced` integer DEFAULT 0 NOT NULL,
	`unsubscribed` integer DEFAULT 0 NOT NULL,
	`complaints` integer DEFAULT 0 NOT NULL,
	`replies` integer DEFAULT 0 NOT NULL,
	`last_event_at` text,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `campaign_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`campaign_id` integer NOT NULL,
	`recipient_id` integer,
	`kind` text NOT NULL,
	`link_index` integer,
	`is_bot` integer DEFAULT false NOT NULL,
	`detail` text DEFAULT '{}' NOT NULL,
	`dedupe_key` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`recipient_id`) REFERENCES `campaign_recipients`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `campaign_events_dedupe_uq` ON `campaign_events` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `campaign_events_campaign_kind_idx` ON `campaign_events` (`campaign_id`,`kind`,`created_at`);--> statement-breakpoint
CREATE TABLE `campaign_links` (
	`campaign_id` integer NOT NULL,
	`link_index` integer NOT NULL,
	`url` text NOT NULL,
	PRIMARY KEY(`campaign_id`, `link_index`),
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `campaign_recipients` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`campaign_id` integer NOT NULL,
	`email` text NOT NULL,
	`name` text,
	`meta` text DEFAULT '{}' NOT NULL,
	`state` text DEFAULT 'queued' NOT NULL,
	`token` text NOT NULL,
	`message_id` text,
	`error` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`lease_until` text,
	`retry_at` text,
	`sent_at` text,
	`opened_at` text,
	`clicked_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `campaign_recipients_campaign_email_uq` ON `campaign_recipients` (`campaign_id`,`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `campaign_recipients_token_uq` ON `campaign_recipients` (`token`);--> statement-breakpoint
CREATE INDEX `campaign_recipients_campaign_state_idx` ON `campaign_recipients` (`campaign_id`,`state`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `campaign_recipients_message_id_uq` ON `campaign_recipients` (`message_id`);--> statement-breakpoint
CREATE TABLE `campaigns` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text DEFAULT 'default' NOT NULL,
	`name` text NOT NULL,
	`subject` text NOT NULL,
	`preheader` text,
	`mailbox_id` integer NOT NULL,
	`template_markdown` text NOT NULL,
	`headers` text DEFAULT '{}' NOT NULL,
	`state` text DEFAULT 'draft' NOT NULL,
	`track_opens` integer DEFAULT true NOT NULL,
	`track_clicks` integer DEFAULT true NOT NULL,
	`anonymous_counts` integer DEFAULT false NOT NULL,
	`precedence_bulk` integer DEFAULT true NOT NULL,
	`pause_reason` text,
	`run_id` integer DEFAULT 0 NOT NULL,
	`started_at` text,
	`finished_at` text,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	FOREIGN KEY (`mailbox_id`) REFERENCES `mailboxes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `campaigns_mailbox_state_idx` ON `campaigns` (`mailbox_id`,`state`);--> statement-breakpoint
CREATE TABLE `mailbox_send_budget` (
	`mailbox_id` integer NOT NULL,
	`window` text NOT NULL,
	`used` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`mailbox_id`, `window`),
	FOREIGN KEY (`mailbox_id`) REFERENCES `mailboxes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `mailboxes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text DEFAULT 'default' NOT NULL,
	`name` text NOT NULL,
	`from_name` text NOT NULL,
	`from_email` text NOT NULL,
	`reply_to` text,
	`smtp_host` text NOT NULL,
	`smtp_port` integer NOT NULL,
	`smtp_security` text NOT NULL,
	`smtp_username` text NOT NULL,
	`smtp_password_ct` text NOT NULL,
	`smtp_password_iv` text NOT NULL,
	`imap_host` text NOT NULL,
	`imap_port` integer NOT NULL,
	`imap_security` text NOT NULL,
	`imap_username` text NOT NULL,
	`imap_password_ct` text NOT NULL,
	`imap_password_iv` text NOT NULL,
	`sent_folder` text DEFAULT 'Sent' NOT NULL,
	`bounce_folder` text DEFAULT 'INBOX' NOT NULL,
	`rate_per_minute` integer,
	`daily_cap` integer,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `suppressions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant` text DEFAULT 'default' NOT NULL,
	`email` text NOT NULL,
	`reason` text NOT NULL,
	`source_campaign_id` integer,
	`created_at` text NOT NULL,
	FOREIGN KEY (`source_campaign_id`) REFERENCES `campaigns`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `suppressions_tenant_email_uq` ON `suppressions` (`tenant`,`email`);