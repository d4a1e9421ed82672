"""Read models built from the event log: chronology, caseload, escalation queue, wellbeing."""
