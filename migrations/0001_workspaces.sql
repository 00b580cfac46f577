CREATE TABLE `user_credentials` (
	`user_id` text PRIMARY KEY NOT NULL,
	`claude_api_key_ciphertext` text,
	`claude_api_key_last4` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `workspace_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`workspace_id` text NOT NULL,
	`at` integer NOT NULL,
	`type` text NOT NULL,
	`message` text NOT NULL,
	FOREIGN KEY (`workspace_id`) REFERENCES `workspaces`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `workspace_events_workspace_idx` ON `workspace_events` (`workspace_id`,`id`);--> statement-breakpoint
CREATE TABLE `workspaces` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`repo_url` text NOT NULL,
	`branch` text,
	`server_type` text NOT NULL,
	`location` text NOT NULL,
	`idle_timeout_minutes` integer NOT NULL,
	`hostname` text NOT NULL,
	`state` text NOT NULL,
	`state_changed_at` integer NOT NULL,
	`state_reason` text,
	`hidden` integer DEFAULT false NOT NULL,
	`idempotency_key` text,
	`server_id` integer,
	`ipv4` text,
	`server_created_at` integer,
	`hourly_price` real,
	`bootstrap_token_hash` text,
	`bootstrap_expires_at` integer,
	`bootstrap_redeemed_at` integer,
	`callback_token_hash` text,
	`runtime` text,
	`ready_at` integer,
	`last_heartbeat_at` integer,
	`last_human_input_at` integer,
	`claude_state` text,
	`claude_waiting_reason` text,
	`open_terminals` integer,
	`idle_warning` integer DEFAULT false NOT NULL,
	`idle_shutdown_at` integer,
	`ended_at` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `workspaces_owner_idx` ON `workspaces` (`owner_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `workspaces_state_idx` ON `workspaces` (`state`);--> statement-breakpoint
CREATE UNIQUE INDEX `workspaces_owner_idempotency_idx` ON `workspaces` (`owner_id`,`idempotency_key`);