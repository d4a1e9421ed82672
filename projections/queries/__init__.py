"""Queries, by audience: staff (a school's children and their records), oversight
(escalations, monitor, caseload), audit (raw log, access log, integrity, export) and
administration. Each takes the acting user first and checks what they may see."""

from projections.queries.admin import AdminQueries
from projections.queries.audit import AuditQueries
from projections.queries.oversight import OversightQueries
from projections.queries.staff import StaffQueries

__all__ = ["AdminQueries", "AuditQueries", "OversightQueries", "StaffQueries"]
