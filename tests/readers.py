"""The queries of every audience over one application and its read models, for tests that
read as several people at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from projections.queries import (
    AdminQueries,
    AuditQueries,
    OversightQueries,
    StaffQueries,
)
from projections.views import ReadModelView


@dataclass
class Readers:
    app: Any
    view: ReadModelView

    @property
    def staff(self) -> StaffQueries:
        return StaffQueries(self.app, self.view)

    @property
    def oversight(self) -> OversightQueries:
        return OversightQueries(self.app, self.view)

    @property
    def audit(self) -> AuditQueries:
        return AuditQueries(self.app, self.view)

    @property
    def admin(self) -> AdminQueries:
        return AdminQueries(self.app, self.view)
