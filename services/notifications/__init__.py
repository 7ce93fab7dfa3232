"""The notifications service: events delivered to people and to outside systems."""
