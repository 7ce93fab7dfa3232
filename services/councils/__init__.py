"""The councils service: Public Accord council sessions, decisions and their control."""
