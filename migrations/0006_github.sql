CREATE TABLE `user_git_settings` (
	`user_id` text PRIMARY KEY NOT NULL,
	`commit_email` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `user`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `workspaces` ADD `github_repository` text;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `github_installation_id` integer;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `github_revoked_at` integer;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `git_branch` text;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `git_ahead` integer;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `git_pushed` integer;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `git_reported_at` integer;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `pull_request_url` text;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `pull_request_number` integer;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `pull_request_branch` text;