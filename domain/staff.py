"""Schools and the accounts of the people who work with the children."""

from __future__ import annotations

from typing import Sequence

from domain.aggregate import KopirAggregate, Stamp, school_uuid, user_id_uuid


class School(KopirAggregate):
    def __init__(self) -> None:
        self.name = ""
        self.region = ""

    class SchoolRegistered(KopirAggregate.Created):
        name: str
        region: str

        def apply(self, aggregate: School) -> None:  # type: ignore[override]
            aggregate.name = self.name
            aggregate.region = self.region

    @classmethod
    def register(cls, school_id: str, name: str, region: str, stamp: Stamp) -> School:
        return cls._create(cls.SchoolRegistered, id=school_uuid(school_id), name=name,
                           region=region, **stamp.fields())


class StaffAccount(KopirAggregate):
    """A user of Köpir: role and schools decide what they may do."""

    def __init__(self) -> None:
        self.user_id = ""
        self.display_name = ""
        self.user_role = ""
        self.school_ids: list[str] = []
        self.password_hash = ""
        self.is_active = True
        self.email = ""
        self.digest = True
        self.language = ""

    class AccountRegistered(KopirAggregate.Created):
        user_id: str
        display_name: str
        user_role: str
        school_ids: list[str]
        password_hash: str

        def apply(self, aggregate: StaffAccount) -> None:  # type: ignore[override]
            aggregate.user_id = self.user_id
            aggregate.display_name = self.display_name
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

    @classmethod
    def register(cls, user_id: str, display_name: str, user_role: str,
                 school_ids: Sequence[str], password_hash: str, stamp: Stamp) -> StaffAccount:
        return cls._create(cls.AccountRegistered, id=user_id_uuid(user_id), user_id=user_id,
                           display_name=display_name, user_role=user_role,
                           school_ids=list(school_ids), password_hash=password_hash,
                           **stamp.fields())

    def set_notifications(self, email: str, digest: bool, language: str, stamp: Stamp) -> None:
        self.trigger_event(self.NotificationsSet, user_id=self.user_id, email=email, digest=digest,
                           language=language, **stamp.fields())
