"""Köpir UI: supervisor pages."""
