DROP INDEX `tasks_workspace_idx`;--> statement-breakpoint
ALTER TABLE `tasks` ADD `kind` text DEFAULT 'task' NOT NULL;--> statement-breakpoint
CREATE INDEX `tasks_workspace_created_idx` ON `tasks` (`workspace_id`,`created_at`);