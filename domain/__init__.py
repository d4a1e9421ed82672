"""Köpir's domain: what school staff record about a child's integration, and the rules."""
