"""The session cookie: signed and expiring (itsdangerous), bound to the account as the store
has it now; the secret of the embedded mode is made once and only its owner reads it."""

from __future__ import annotations

import stat
import time

from itsdangerous import URLSafeTimedSerializer

from ui import services, session_cookie


def content_of(user: str, language: str = "ru") -> dict[str, str] | None:
    account = services.app().account(user)
    return session_cookie.read(session_cookie.issue(user, language, account.password_hash))


def test_a_cookie_signed_here_gives_back_the_user_and_the_language(seeded_store):
    content = content_of("teacher.ast-12")
    assert content is not None and (content["u"], content["l"]) == ("teacher.ast-12", "ru")
    actor = session_cookie.actor_of(content)
    assert actor is not None and actor.user_id == "teacher.ast-12"
    assert actor.role.value == "teacher" and actor.school_ids  # from the store


def test_a_tampered_expired_or_foreign_cookie_is_ignored(seeded_store):
    account = services.app().account("teacher.ast-12")
    token = session_cookie.issue("teacher.ast-12", "en", account.password_hash)
    payload, issued, signature = token.split(".")
    other = URLSafeTimedSerializer("another secret", salt="kopir.session")
    forged = session_cookie.issue("admin", "en", "").split(".")[0]
    for bad in (f"{payload}.{issued}.{signature[:-2]}AA", f"{forged}.{issued}.{signature}",
                other.dumps({"u": "admin", "l": "en", "p": ""}), "", None, "garbage"):
        assert session_cookie.read(bad) is None, bad

    class Then(URLSafeTimedSerializer.default_signer):  # type: ignore[name-defined,misc]
        def get_timestamp(self) -> int:
            return int(time.time() - 31 * 60)  # KOPIR_SESSION_MINUTES is 30

    old = URLSafeTimedSerializer(session_cookie.secret(), salt="kopir.session", signer=Then)
    content = session_cookie.read(token)
    assert content is not None and session_cookie.read(old.dumps(content)) is None


def test_a_disabled_account_or_a_new_password_does_not_come_back(seeded_store):
    app = services.app()
    admin = app.actor_for("admin")
    disabled, reset = content_of("teacher.ast-12"), content_of("psych.ast-12")
    assert session_cookie.actor_of(disabled) and session_cookie.actor_of(reset)
    app.disable_account(admin, "teacher.ast-12")
    app.reset_password(admin, "psych.ast-12")  # a one-time password: a new one is due
    assert session_cookie.actor_of(disabled) is None
    assert session_cookie.actor_of(reset) is None
    assert session_cookie.actor_of({"u": "nobody.here", "l": "en", "p": "x"}) is None
    assert session_cookie.actor_of({"u": "auditor", "l": "en", "p": "not its password"}) is None


def test_the_secret_is_made_once_beside_the_store_for_its_owner_only(seeded_store):
    first = session_cookie.secret()
    path = session_cookie.secret_file()
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().strip() == first and len(first) >= 32
    session_cookie._secret.cache_clear()
    assert session_cookie.secret() == first  # the next process reads the same secret
