"""Configuration from environment variables, with local defaults. Read once per process.

`Settings` is the one place a process learns its configuration: the stores, the
keys, the embedded followers, the interface, and Kafka (`settings().kafka`, from the
`KOPIR_KAFKA_*` variables).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MEMORY = "memory://"  # an event store in this process only (eventsourcing's POPO recorders)


class KafkaSettings(BaseSettings):
    """The distributed mode's broker, topics and consumer group."""

    model_config = SettingsConfigDict(env_prefix="KOPIR_KAFKA_", extra="ignore",
                                      env_ignore_empty=True)

    bootstrap: str = "127.0.0.1:9092"
    topic: str = "kopir.events.v1"
    dlq_topic: str = "kopir.events.v1.dlq"
    heads_topic: str = "kopir.ledger-heads.v1"  # every signed checkpoint, kept for ever
    partitions: int = Field(6, ge=1, le=1000)
    retention_ms: int = 30 * 24 * 3600 * 1000  # the event store keeps everything; Kafka a month
    group_id: str = "kopir-read-models"
    engine_group_id: str = "kopir-engine"  # `kopir engine --group`: the rules, shared out
    engine_tick_seconds: float = Field(5.0, gt=0)  # how often time-based rules are decided
    relay_batch: int = Field(1000, ge=1)
    relay_poll_interval: float = Field(0.05, gt=0)
    relay_flush_seconds: float = Field(20.0, gt=0)  # the broker's acknowledgement, or a new try
    consumer_batch: int = Field(5000, ge=1)  # 1,000 → 5,000 measured 5.6k → 7.5k events/s
    consumer_batch_timeout_ms: int = Field(50, ge=0)
    session_timeout_ms: int = Field(10000, ge=1000)  # how soon a dead consumer's partitions move
    # How long the ledger's heads on Kafka are waited for before the broker is named as
    # unreachable (`verify-log` then says a rollback cannot be ruled out).
    heads_patience_seconds: float = Field(15.0, gt=0)


class MailSettings(BaseSettings):
    """The notifier's SMTP server and what its messages link to (`KOPIR_SMTP_*`)."""

    model_config = SettingsConfigDict(env_prefix="KOPIR_SMTP_", extra="ignore",
                                      env_ignore_empty=True)

    host: str = ""  # empty: no e-mail (the in-app list still has every notification)
    port: int = Field(25, ge=1, le=65535)
    tls: Literal["none", "starttls", "ssl"] = "starttls"
    user: str = ""
    password: str = ""
    sender: str = "kopir@localhost"
    timeout: float = Field(10.0, gt=0)
    # The address of the interface, for the link in each message.
    base_url: str = "http://localhost:8501"
    # The hour (0-23, in `zone`) the daily digest of what is not HIGH goes out.
    digest_hour: int = Field(8, ge=0, le=23)
    zone: str = "Asia/Almaty"


class Settings(BaseSettings):
    # A variable set but empty (KOPIR_DEBUG=) means its default, as if it were not set.
    model_config = SettingsConfigDict(env_prefix="KOPIR_", extra="ignore", env_ignore_empty=True)

    # The event store. SQLite file by default; PostgreSQL when the URL says so;
    # memory:// keeps everything in this process (tests).
    database_url: str = "sqlite:///var/kopir.db"
    # The read models. Default: beside the SQLite store, or the same PostgreSQL database.
    views_url: str = ""
    # Embedded projection driver. Off in the distributed mode, where consumers keep the
    # read models current from Kafka.
    embedded_projections: bool = True
    poll_interval: float = Field(0.1, gt=0)
    batch_size: int = Field(1000, ge=1)
    # The master key (base64 of 16, 24 or 32 bytes) that wraps the per-child data keys
    # of the event store's encryption, or a file holding it (default: master.key beside
    # the SQLite store, used when it exists; `kopir demo` creates it). Required by the
    # relay and by production mode.
    cipher_key: str = ""
    cipher_key_file: str = ""
    # While the data keys are re-wrapped under a new master key (`kopir keys rotate`): the
    # previous master keys (base64, comma-separated) or their files, so this process
    # opens keys wrapped under either.
    cipher_previous_keys: str = ""
    cipher_previous_key_files: str = ""
    production: bool = False
    # The Ed25519 key that signs the log's checkpoints (base64 32-byte seed), or a file
    # holding it (default: ledger.key beside the SQLite store, or var/ledger.key).
    ledger_key: str = ""
    ledger_key_file: str = ""
    # The public keys (hex, comma-separated) whose checkpoints verify-log trusts; the
    # signing key's own public key is trusted too when the key is at hand.
    ledger_trusted_keys: str = ""
    # Where each checkpoint is also written down, outside the store (an append-only file;
    # best on another disk or machine): a store rolled back to an earlier state is found.
    ledger_heads_file: str = ""
    # A checkpoint is signed by the embedded checkpointer after this many events, or this
    # many minutes after the last one when something was recorded since.
    checkpoint_every: int = Field(1000, ge=1)
    checkpoint_minutes: float = Field(60.0, gt=0)
    # Retention (domain.retention): a child's personal content is erased this many years
    # after the later of the enrolment's closing and the child's coming of age (Law of the
    # Republic of Kazakhstan No. 94-V on personal data, storage limitation; cf. GDPR Art.
    # 5(1)(e), 17). The law fixes no number: the data controller sets it. The embedded
    # mode (and `kopir retention run --every`) looks for children due this often.
    retention_years: int = Field(5, ge=1, le=100)
    retention_every_seconds: float = Field(86400.0, gt=0)
    # The interface language a new session starts in (kk, ru or en); users switch any time.
    language: str = "kk"
    # The deployment's time zone (IANA name): forms, deadlines and charts show local time.
    timezone: str = "Asia/Almaty"
    # Schools in another zone: "school_id=Zone,school_id=Zone" (e.g. "AKT-3=Asia/Aqtobe").
    school_timezones: str = ""
    # How often the supervisors' live monitor refreshes itself (seconds).
    monitor_refresh_seconds: float = Field(1.0, gt=0)
    # Minutes of inactivity after which a signed-in session must sign in again.
    session_minutes: int = Field(30, ge=1)
    # The secret that signs the session cookie (a refresh keeps the user signed in). Unset:
    # session.key beside the SQLite store, made once (set it when several servers serve).
    session_secret: str = ""
    # "password" (accounts in the event store, scrypt hashes) or "oidc" (st.login with the
    # identity provider configured in .streamlit/secrets.toml; accounts matched by e-mail).
    auth: Literal["password", "oidc"] = "password"
    # Print tracebacks instead of one sentence at the command line.
    debug: bool = False
    # Open SQLite stores read-only (an archived copy, a read-only disk): commands that read
    # and verify work, those that write say so. Set by itself for files nobody may write.
    read_only: bool = False
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    mail: MailSettings = Field(default_factory=MailSettings)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @field_validator("school_timezones")
    @classmethod
    def _known_school_zones(cls, value: str) -> str:
        for item in filter(None, (part.strip() for part in value.split(","))):
            school, sep, zone = item.partition("=")
            if not sep or not school.strip():
                raise ValueError(f"{item!r} is not school_id=Zone")
            known_zone(zone.strip())
        return value

    def school_zones(self) -> dict[str, str]:
        """The per-school time zones of KOPIR_SCHOOL_TIMEZONES, by school id."""
        pairs = (item.partition("=") for item in self.school_timezones.split(",") if "=" in item)
        return {school.strip(): zone.strip() for school, _, zone in pairs}

    @property
    def in_memory(self) -> bool:
        return self.database_url == MEMORY

    def events_url(self) -> str:
        return self._maybe_read_only(sqlalchemy_url(self.database_url))

    def read_models_url(self) -> str:
        if self.views_url:
            return self._maybe_read_only(sqlalchemy_url(self.views_url))
        if self.in_memory:
            return "sqlite:///:memory:"
        url = sqlalchemy_url(self.database_url)
        if url.startswith("sqlite:///") and url.endswith(".db"):
            url = url[: -len(".db")] + "-views.db"
        return self._maybe_read_only(url)

    def store_read_only(self) -> bool:
        """True when the SQLite store is to be opened read-only (asked, or not writable)."""
        path = sqlite_path(sqlalchemy_url(self.database_url))
        return self.read_only or (path is not None and path.exists()
                                  and not os.access(path, os.W_OK))

    def _maybe_read_only(self, url: str) -> str:
        path = sqlite_path(url)
        if path is None or not self.store_read_only():
            return url
        wal = Path(f"{path}-wal")
        if wal.exists() and wal.stat().st_size:  # recent writes not yet in the file itself
            return f"sqlite:///file:{path}?mode=ro&uri=true"
        # SQLite reads an unchanging file without locks or a write-ahead log.
        return f"sqlite:///file:{path}?immutable=1&uri=true"

    def beside_store(self, name: str) -> Path:
        """A key file's default place: beside the SQLite store, or in var/."""
        path = sqlite_path(sqlalchemy_url(self.database_url))
        return path.with_name(name) if path is not None else Path("var") / name

    def truth_path(self) -> Path:
        """Labelled "needs attention" episodes of synthetic data, kept beside the store."""
        return self.beside_store("kopir-truth.jsonl")

    def ledger_heads_path(self) -> Path:
        return Path(self.ledger_heads_file) if self.ledger_heads_file \
            else self.beside_store("ledger-heads.jsonl")

    def trusted_ledger_keys(self) -> tuple[str, ...]:
        return tuple(k.strip().lower() for k in self.ledger_trusted_keys.split(",") if k.strip())

    def ledger_key_path(self) -> Path:
        return Path(self.ledger_key_file) if self.ledger_key_file \
            else self.beside_store("ledger.key")

    def master_key_file(self) -> Path:
        return Path(self.cipher_key_file) if self.cipher_key_file \
            else self.beside_store("master.key")

    def master_key(self) -> str:
        if self.cipher_key:
            return self.cipher_key
        if self.in_memory and not self.cipher_key_file:
            return ""
        path = self.master_key_file()
        return path.read_text().strip() if path.exists() else ""

    def previous_master_keys(self) -> list[str]:
        """The previous master keys (base64), from KOPIR_CIPHER_PREVIOUS_KEYS and the
        files of KOPIR_CIPHER_PREVIOUS_KEY_FILES."""
        keys = [k.strip() for k in self.cipher_previous_keys.split(",") if k.strip()]
        files = [Path(f.strip()) for f in self.cipher_previous_key_files.split(",") if f.strip()]
        return keys + [path.read_text().strip() for path in files]

    def app_env(self) -> dict[str, str]:
        """The eventsourcing environment for the SchoolIntegration application: the
        persistence module (SQLAlchemy, or in-memory) builds its recorders and mapper."""
        if self.in_memory:
            env = {"PERSISTENCE_MODULE": "infrastructure.memory"}
        else:
            env = {"PERSISTENCE_MODULE": "infrastructure.store",
                   "SQLALCHEMY_URL": self.events_url()}
        master = self.master_key()
        if master:
            env["KOPIR_MASTER_KEY"] = master
        previous = self.previous_master_keys()
        if previous:
            env["KOPIR_PREVIOUS_MASTER_KEYS"] = ",".join(previous)
        if self.store_read_only():  # no snapshots written (nor a table made for them)
            env["IS_SNAPSHOTTING_ENABLED"] = "n"
        if self.production:
            env["KOPIR_PRODUCTION"] = "true"
        return env


def known_zone(name: str) -> str:
    """`name` if the time zone database knows it; else a one-sentence error."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}, use an IANA name such as "
                         "Asia/Almaty") from None
    return name


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory ones)."""
    if not url.startswith("sqlite:///") or ":memory:" in url or url.startswith("sqlite:///file:"):
        return None
    return Path(url[len("sqlite:///"):])


def sqlalchemy_url(url: str) -> str:
    """Accept plain postgresql:// URLs (psycopg 3 driver) and make SQLite folders exist."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite:///") and ":memory:" not in url:
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    return url


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings()
