ALTER TABLE `workspaces` ADD `secrets_generation` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `secrets_applied_generation` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `secrets_fetched_at` integer;