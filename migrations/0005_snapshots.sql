CREATE TABLE `snapshot_parts` (
	`snapshot_id` text NOT NULL,
	`n` integer NOT NULL,
	`size` integer NOT NULL,
	`sha256` text NOT NULL,
	`stored_at` integer NOT NULL,
	PRIMARY KEY(`snapshot_id`, `n`),
	FOREIGN KEY (`snapshot_id`) REFERENCES `snapshots`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `snapshots` (
	`id` text PRIMARY KEY NOT NULL,
	`workspace_id` text NOT NULL,
	`kind` text NOT NULL,
	`state` text NOT NULL,
	`size` integer,
	`sha256` text,
	`parts` integer,
	`failure` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`verified_at` integer,
	`expires_at` integer,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `snapshots_workspace_idx` ON `snapshots` (`workspace_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `snapshots_state_idx` ON `snapshots` (`state`,`updated_at`);--> statement-breakpoint
CREATE INDEX `snapshots_expires_idx` ON `snapshots` (`expires_at`);--> statement-breakpoint
ALTER TABLE `workspaces` ADD `snapshot_key_ciphertext` text;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `restore_snapshot_id` text;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `asleep_at` integer;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `sleep_snapshot_id` text;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `snapshot_retention_days` integer;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `prior_billed_hours` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `prior_cost_eur` real DEFAULT 0 NOT NULL;