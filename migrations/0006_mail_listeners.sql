CREATE TABLE `mail_listeners` (
	`agent_id` integer PRIMARY KEY NOT NULL,
	`since_ts` text NOT NULL,
	FOREIGN KEY (`agent_id`) REFERENCES `agents`(`id`) ON UPDATE no action ON DELETE cascade
);
