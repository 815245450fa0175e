CREATE TABLE `agents` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` integer NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL,
	`program` text NOT NULL,
	`model` text NOT NULL,
	`task_description` text DEFAULT '' NOT NULL,
	`contact_policy` text DEFAULT 'auto' NOT NULL,
	`token_hash` text NOT NULL,
	`inception_ts` text NOT NULL,
	`last_active_ts` text NOT NULL,
	`retired_at` text,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `agents_project_name_key` ON `agents` (`project_id`,`name_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `agents_token_hash` ON `agents` (`token_hash`);--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`from_agent_id` integer NOT NULL,
	`to_agent_id` integer NOT NULL,
	`status` text NOT NULL,
	`reason` text DEFAULT '' NOT NULL,
	`created_ts` text NOT NULL,
	`updated_ts` text NOT NULL,
	`expires_ts` text,
	FOREIGN KEY (`from_agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`to_agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_pair` ON `contacts` (`from_agent_id`,`to_agent_id`);--> statement-breakpoint
CREATE INDEX `contacts_to` ON `contacts` (`to_agent_id`);--> statement-breakpoint
CREATE TABLE `mail_listeners` (
	`agent_id` integer PRIMARY KEY NOT NULL,
	`since_ts` text NOT NULL,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `message_recipients` (
	`message_id` integer NOT NULL,
	`agent_id` integer NOT NULL,
	`kind` text NOT NULL,
	`created_ts` text NOT NULL,
	`read_ts` text,
	`ack_ts` text,
	PRIMARY KEY(`message_id`, `agent_id`),
	FOREIGN KEY (`message_id`) REFERENCES `messages`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `recipients_inbox` ON `message_recipients` (`agent_id`,"created_ts" DESC,"message_id" DESC);--> statement-breakpoint
CREATE INDEX `recipients_unread` ON `message_recipients` (`agent_id`) WHERE "message_recipients"."read_ts" IS NULL;--> statement-breakpoint
CREATE TABLE `messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` integer NOT NULL,
	`sender_id` integer NOT NULL,
	`thread_id` text,
	`topic` text,
	`subject` text NOT NULL,
	`body_md` text NOT NULL,
	`importance` text DEFAULT 'normal' NOT NULL,
	`ack_required` integer DEFAULT false NOT NULL,
	`created_ts` text NOT NULL,
	`attachments` text DEFAULT '[]' NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`sender_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `messages_project_thread` ON `messages` (`project_id`,`thread_id`,`created_ts`);--> statement-breakpoint
CREATE INDEX `messages_project_created` ON `messages` (`project_id`,`created_ts`);--> statement-breakpoint
CREATE INDEX `messages_sender_created` ON `messages` (`sender_id`,`created_ts`);--> statement-breakpoint
CREATE TABLE `tool_metrics` (
	`tool` text PRIMARY KEY NOT NULL,
	`calls` integer DEFAULT 0 NOT NULL,
	`errors` integer DEFAULT 0 NOT NULL,
	`first_call_ts` text NOT NULL,
	`last_call_ts` text NOT NULL
);
