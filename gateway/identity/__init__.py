"""Staff identity: users, passwords, login throttling and personal API keys."""
