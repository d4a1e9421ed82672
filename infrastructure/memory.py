"""An event store in this process only: eventsourcing's POPO recorders, for fast tests.

Select it with PERSISTENCE_MODULE=infrastructure.memory (the settings do for
KOPIR_DATABASE_URL=memory://). With a master key, the data keys live in an in-memory
SQLite database of the same process, so encryption and erasure behave as on disk.
"""

from __future__ import annotations

from typing import Any

import eventsourcing.popo as popo
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from infrastructure.cipher import KopirMapper, build_mapper


class Factory(popo.POPOFactory):
    def mapper(self, transcoder: Any = None, mapper_class: Any = None) -> KopirMapper:
        keys = None
        if self.env.get("KOPIR_MASTER_KEY"):
            keys = create_engine("sqlite://", poolclass=StaticPool,
                                 connect_args={"check_same_thread": False})
        return build_mapper(self.env, transcoder or self.transcoder(), keys)
