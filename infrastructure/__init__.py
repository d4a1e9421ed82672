"""What the domain stands on: the event store, the cipher and keyring, the ledger, settings."""
