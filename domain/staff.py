"""Schools and the accounts of the people who work with the children: who they are, their
role and schools, whether they may sign in, and whom they stand in for while a supervisor
is away (a delegation is recorded on both accounts, the supervisor's and the deputy's)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from domain.aggregate import KopirAggregate, Stamp, school_uuid, user_id_uuid


class School(KopirAggregate):
    """A school: its name (and the name in kk/ru/en, by language) and its region's code
    (domain.regions)."""

    def __init__(self) -> None:
        self.name = ""
        self.names: dict[str, str] = {}
        self.region = ""

    class SchoolRegistered(KopirAggregate.Created):
        """`names` by language (kk, ru, en); empty for schools registered with one name."""

        class_version = 2
        name: str
        region: str
        names: dict[str, str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["names"] = {}

        def apply(self, aggregate: School) -> None:  # type: ignore[override]
            aggregate.name = self.name
            aggregate.names = dict(self.names)
            aggregate.region = self.region

    @classmethod
    def register(cls, school_id: str, name: str, region: str, stamp: Stamp,
                 names: dict[str, str] | None = None) -> School:
        return cls._create(cls.SchoolRegistered, id=school_uuid(school_id), name=name,
                           region=region, names=dict(names or {}), **stamp.fields())


class StaffAccount(KopirAggregate):
    """A user of Köpir: role and schools decide what they may do."""

    def __init__(self) -> None:
        self.user_id = ""
        self.display_name = ""
        self.display_names: dict[str, str] = {}
        self.user_role = ""
        self.school_ids: list[str] = []
        self.password_hash = ""
        self.is_active = True
        self.email = ""
        self.digest = True
        self.language = ""
        self.must_change_password = False
        # delegation id -> {"supervisor", "deputy", "starts", "ends"}: named by this
        # supervisor, or naming this person as the deputy
        self.delegations: dict[str, dict[str, Any]] = {}

    class AccountRegistered(KopirAggregate.Created):
        """`display_names`: the person's name by language (kk, ru, en), or empty."""

        class_version = 2
        user_id: str
        display_name: str
        user_role: str
        school_ids: list[str]
        password_hash: str
        display_names: dict[str, str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["display_names"] = {}

        def apply(self, aggregate: StaffAccount) -> None:  # type: ignore[override]
            aggregate.user_id = self.user_id
            aggregate.display_name = self.display_name
            aggregate.display_names = dict(self.display_names)
            aggregate.user_role = self.user_role
            aggregate.school_ids = list(self.school_ids)
            aggregate.password_hash = self.password_hash

    class NotificationsSet(KopirAggregate.Event):
        """Where and how this person is told of concerns: an e-mail address (empty: only
        the in-app list), HIGH at once and the rest in a daily digest or not by e-mail,
        and the language of the messages."""

        user_id: str
        email: str
        digest: bool
        language: str

        def apply(self, aggregate: StaffAccount) -> None:  # type: ignore[override]
            aggregate.email, aggregate.digest = self.email, self.digest
            aggregate.language = self.language

    class AccountDisabled(KopirAggregate.Event):
        """The person can no longer sign in (their records stay theirs)."""

        user_id: str

        def apply(self, aggregate: StaffAccount) -> None:  # type: ignore[override]
            aggregate.is_active = False

    class AccountEnabled(KopirAggregate.Event):
        user_id: str

        def apply(self, aggregate: StaffAccount) -> None:  # type: ignore[override]
            aggregate.is_active = True

    class PasswordReset(KopirAggregate.Event):
        """An administrator gave a one-time password (only its hash is kept); with
        `must_change`, the next sign-in asks for a new one before anything else."""

        user_id: str
        password_hash: str
        must_change: bool

        def apply(self, aggregate: StaffAccount) -> None:  # type: ignore[override]
            aggregate.password_hash = self.password_hash
            aggregate.must_change_password = self.must_change

    class PasswordChanged(KopirAggregate.Event):
        """The person chose a new password."""

        user_id: str
        password_hash: str

        def apply(self, aggregate: StaffAccount) -> None:  # type: ignore[override]
            aggregate.password_hash = self.password_hash
            aggregate.must_change_password = False

    class RoleChanged(KopirAggregate.Event):
        """A new role and schools: they take effect at the next sign-in."""

        user_id: str
        user_role: str
        school_ids: list[str]

        def apply(self, aggregate: StaffAccount) -> None:  # type: ignore[override]
            aggregate.user_role = self.user_role
            aggregate.school_ids = list(self.school_ids)

    class DeputyNamed(KopirAggregate.Event):
        """A supervisor names a deputy for a period of absence, [starts, ends). Recorded on
        the supervisor's account and on the deputy's."""

        delegation_id: str
        supervisor: str
        deputy: str
        starts: datetime
        ends: datetime

        def apply(self, aggregate: StaffAccount) -> None:  # type: ignore[override]
            aggregate.delegations[self.delegation_id] = {
                "supervisor": self.supervisor, "deputy": self.deputy, "starts": self.starts,
                "ends": self.ends}

    class DelegationEnded(KopirAggregate.Event):
        """The supervisor (or an administrator) ended a delegation before its end."""

        delegation_id: str
        supervisor: str
        deputy: str
        ended_at: datetime

        def apply(self, aggregate: StaffAccount) -> None:  # type: ignore[override]
            delegation = aggregate.delegations.get(self.delegation_id)
            if delegation is not None:
                delegation["ends"] = min(delegation["ends"], self.ended_at)

    @classmethod
    def register(cls, user_id: str, display_name: str, user_role: str,
                 school_ids: Sequence[str], password_hash: str, stamp: Stamp,
                 display_names: dict[str, str] | None = None) -> StaffAccount:
        return cls._create(cls.AccountRegistered, id=user_id_uuid(user_id), user_id=user_id,
                           display_name=display_name, user_role=user_role,
                           school_ids=list(school_ids), password_hash=password_hash,
                           display_names=dict(display_names or {}), **stamp.fields())

    def set_notifications(self, email: str, digest: bool, language: str, stamp: Stamp) -> None:
        self.trigger_event(self.NotificationsSet, user_id=self.user_id, email=email, digest=digest,
                           language=language, **stamp.fields())

    def disable(self, stamp: Stamp) -> None:
        if self.is_active:
            self.trigger_event(self.AccountDisabled, user_id=self.user_id, **stamp.fields())

    def enable(self, stamp: Stamp) -> None:
        if not self.is_active:
            self.trigger_event(self.AccountEnabled, user_id=self.user_id, **stamp.fields())

    def reset_password(self, password_hash: str, stamp: Stamp) -> None:
        self.trigger_event(self.PasswordReset, user_id=self.user_id, password_hash=password_hash,
                           must_change=True, **stamp.fields())

    def change_password(self, password_hash: str, stamp: Stamp) -> None:
        self.trigger_event(self.PasswordChanged, user_id=self.user_id,
                           password_hash=password_hash, **stamp.fields())

    def change_role(self, user_role: str, school_ids: Sequence[str], stamp: Stamp) -> None:
        self.trigger_event(self.RoleChanged, user_id=self.user_id, user_role=user_role,
                           school_ids=list(school_ids), **stamp.fields())

    def name_deputy(self, delegation_id: str, supervisor: str, deputy: str, starts: datetime,
                    ends: datetime, stamp: Stamp) -> None:
        self.trigger_event(self.DeputyNamed, delegation_id=delegation_id, supervisor=supervisor,
                           deputy=deputy, starts=starts, ends=ends, **stamp.fields())

    def end_delegation(self, delegation_id: str, ended_at: datetime, stamp: Stamp) -> None:
        delegation = self.delegations[delegation_id]
        self.trigger_event(self.DelegationEnded, delegation_id=delegation_id,
                           supervisor=delegation["supervisor"], deputy=delegation["deputy"],
                           ended_at=ended_at, **stamp.fields())

    def delegations_at(self, now: datetime, role: str) -> list[tuple[str, dict[str, Any]]]:
        """The delegations active at `now` in which this person is the `role` ("supervisor"
        or "deputy"), by id."""
        return [(key, d) for key, d in sorted(self.delegations.items(),
                                              key=lambda item: item[1]["starts"])
                if d[role] == self.user_id and d["starts"] <= now < d["ends"]]

    def delegations_ahead(self, now: datetime) -> list[tuple[str, dict[str, Any]]]:
        """The delegations this supervisor named that have not ended by `now`."""
        return [(key, d) for key, d in sorted(self.delegations.items(),
                                              key=lambda item: item[1]["starts"])
                if d["supervisor"] == self.user_id and now < d["ends"]]
