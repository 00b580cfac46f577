ALTER TABLE `user` ADD `github_login` text;--> statement-breakpoint
ALTER TABLE `user` ADD `github_orgs` text;--> statement-breakpoint
ALTER TABLE `workspaces` ADD `cleaned_up_at` integer;