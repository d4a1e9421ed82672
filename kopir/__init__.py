"""Köpir command line, settings and wiring shared by the CLI, the UI and the consumers."""
