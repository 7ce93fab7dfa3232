"""The minutes (protocol) as a document: its words, its view, its PDF."""
