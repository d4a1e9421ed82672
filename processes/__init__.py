"""Everything that follows the event log: one `LogFollower` loop, many followers."""
