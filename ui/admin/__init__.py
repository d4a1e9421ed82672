"""Köpir UI: admin pages."""
