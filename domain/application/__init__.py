"""SchoolIntegration: one method per thing staff do, the acting user first.

Inside `batch()` many commands share one transaction (demo data, imports); otherwise
every command is its own transaction. The commands are grouped by who uses them:
recording (staff), planning (support plans, family work, transfers), supervision
(concerns), administration (schools, accounts,
erasure, the trail), and erasure requests decided by four eyes.
"""

from domain.application.administration import Administration
from domain.application.base import SYSTEM, command
from domain.application.erasures import Erasures
from domain.application.planning import Planning
from domain.application.recording import Recording
from domain.application.subject_access import SubjectAccess
from domain.application.supervision import Supervision


class SchoolIntegration(Recording, Planning, Supervision, SubjectAccess, Erasures,
                        Administration):
    """The application every user action goes through."""

    name = "SchoolIntegration"


__all__ = ["SYSTEM", "SchoolIntegration", "command"]
