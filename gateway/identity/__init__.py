"""Staff identity: users, passwords, login throttling, personal API keys and their routes (api/)."""
