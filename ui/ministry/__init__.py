"""Köpir UI: the ministry's aggregate-only pages."""
