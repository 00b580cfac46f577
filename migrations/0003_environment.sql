CREATE TABLE `user_secret_changes` (
	`user_id` text PRIMARY KEY NOT NULL,
	`changed_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `user_secrets` (
	`user_id` text NOT NULL,
	`name` text NOT NULL,
	`value_ciphertext` text NOT NULL,
	`repositories` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `name`),
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `workspace_ports` (
	`workspace_id` text NOT NULL,
	`port` integer NOT NULL,
	`process` text,
	`first_seen_at` integer,
	`listening` integer DEFAULT false NOT NULL,
	`visibility` text DEFAULT 'private' NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `port`),
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `workspace_ports_listening_idx` ON `workspace_ports` (`workspace_id`,`listening`);