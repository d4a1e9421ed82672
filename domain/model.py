"""The aggregates, under the module name their stored events carry (`domain.model:Child.…`).

Each aggregate lives in a module of its own; this one gathers them, so that a stored
topic resolves here whichever process reads it first.
"""

from domain.aggregate import (
           KOPIR_NAMESPACE,
           KopirAggregate,
           Stamp,
           child_id,
           school_uuid,
           user_id_uuid,
)
from domain.child import Child
from domain.concern import Concern
from domain.erasure import ErasureRegister
from domain.escalation import Escalation
from domain.staff import School, StaffAccount
from domain.submission import Submission
from domain.trail import AccessEntry, LedgerCheckpoint

__all__ = ["KOPIR_NAMESPACE", "AccessEntry", "Child", "Concern", "ErasureRegister", "Escalation",
           "KopirAggregate",
           "LedgerCheckpoint", "School", "Stamp", "StaffAccount", "Submission", "child_id",
           "school_uuid",
           "user_id_uuid"]
