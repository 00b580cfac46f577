import type { GithubAppState } from "./app-state.ts";

/**
 * What local mode starts with: the App installed on alice's account (all repositories), with a
 * private and a public repository to pick, and a repository of bob's the App is not installed on.
 */
export function applyGithubFixture(app: GithubAppState): void {
  app.createRepo({
    owner: "alice",
    name: "private-notes",
    private: true,
    description: "Alice's private notes",
    files: {
      "README.md": "# private-notes\n\nAlice's private notes: a private repository to try Berth on.\n",
    },
  });
  app.createRepo({
    owner: "alice",
    name: "hello-world",
    description: "A public repository",
    files: {
      "README.md": "# hello-world\n\nA public repository of Alice's.\n",
      "hello.sh": '#!/bin/sh\necho "Hello, world"\n',
    },
  });
  app.createRepo({
    owner: "bob",
    name: "dotfiles",
    description: "Bob's dotfiles (the App is not installed on bob)",
    files: { "README.md": "# dotfiles\n" },
  });
  app.install("alice");
}
