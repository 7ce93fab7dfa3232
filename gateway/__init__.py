"""The gateway: the only door for people and outside systems (identity, tokens, proxy)."""
