CREATE TABLE `task_events` (
	`task_id` text NOT NULL,
	`seq` integer NOT NULL,
	`turn` integer NOT NULL,
	`kind` text NOT NULL,
	`data` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`task_id`, `seq`),
	FOREIGN KEY (`task_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `task_messages` (
	`task_id` text NOT NULL,
	`seq` integer NOT NULL,
	`text` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`task_id`, `seq`),
	FOREIGN KEY (`task_id`) REFERENCES `tasks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`workspace_id` text NOT NULL,
	`prompt` text NOT NULL,
	`base_branch` text,
	`branch` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`max_minutes` integer NOT NULL,
	`permission_mode` text NOT NULL,
	`when_done` text NOT NULL,
	`turns` integer DEFAULT 0 NOT NULL,
	`last_turn` integer,
	`commits` integer DEFAULT 0 NOT NULL,
	`head_sha` text,
	`pushed` integer DEFAULT false NOT NULL,
	`summary` text DEFAULT '' NOT NULL,
	`pr_number` integer,
	`pr_url` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `tasks_owner_idx` ON `tasks` (`owner_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `tasks_workspace_idx` ON `tasks` (`workspace_id`);--> statement-breakpoint
ALTER TABLE `workspaces` ADD `mode` text DEFAULT 'interactive' NOT NULL;