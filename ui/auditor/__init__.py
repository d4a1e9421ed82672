"""Köpir UI: auditor pages."""
