"""Escalation rules: declarative, versioned, explainable (rules.toml, loader, engine)."""
