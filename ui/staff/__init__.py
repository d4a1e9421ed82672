"""Köpir UI: staff pages."""
