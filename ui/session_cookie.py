"""A session that survives a refresh: a signed, expiring cookie, and the language kept too.

The cookie `kopir_session` holds the user id, the language and a fingerprint of the
account's password hash, with its issue time, signed by itsdangerous (URLSafeTimedSerializer)
with the session secret (`KOPIR_SESSION_SECRET`, or `session.key` beside the SQLite store,
made once, readable by its owner only). It lasts `KOPIR_SESSION_MINUTES` and is renewed
while the user is active. A refresh opens a new Streamlit session, which reads the cookie
from its first request (`st.context.cookies`) and checks the account again: a disabled
account, one that must change its password, or a changed password does not come back, and
the role and schools come from the store. A tampered or expired cookie is ignored.

`kopir_language` keeps the language chosen, signed in or not (a language code, nothing
more). The browser is told to write both by a small script (a Streamlit component,
`st.components.v2`) running in the page: SameSite=Strict, Path=/, Secure over https.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import streamlit as st
from itsdangerous import BadData, URLSafeTimedSerializer

from domain.access import Actor
from domain.errors import UnknownUser
from infrastructure.settings import settings
from ui import services
from ui.i18n import LANGUAGES

SESSION = "kopir_session"
LANGUAGE = "kopir_language"
LANGUAGE_MAX_AGE = 365 * 24 * 3600
RENEW_AFTER = 60.0  # seconds between two renewals of the cookie while the user is active
_READ = "_session_cookie_read"  # this Streamlit session has looked at its first request
_WRITTEN = "_session_cookie"  # (user, language, token, issued at) last sent to the browser

_JS = """
export default function ({ data }) {
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  for (const cookie of data.cookies) {
    document.cookie = cookie.name + "=" + encodeURIComponent(cookie.value) + "; Path=/; Max-Age="
      + cookie.max_age + "; SameSite=Strict" + secure;
  }
}
"""
_writer = st.components.v2.component("kopir_session_cookie", js=_JS)


# --- the secret and the token --------------------------------------------------------------
def secret_file() -> Path:
    return settings().beside_store("session.key")


@lru_cache(maxsize=4)
def _secret(configured: str, in_memory: bool, path: str) -> str:
    if configured:
        return configured
    if in_memory:  # a store in this process only: its sessions end with it
        return secrets.token_urlsafe(32)
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        try:  # created with its mode: never readable by others, even for a moment
            descriptor = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another server process made it first
            pass
        else:
            with os.fdopen(descriptor, "w") as out:
                out.write(secrets.token_urlsafe(32) + "\n")
    return file.read_text().strip()


def secret() -> str:
    config = settings()
    return _secret(config.session_secret, config.in_memory, str(secret_file()))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret(), salt="kopir.session")


def fingerprint(password_hash: str) -> str:
    """Binds a cookie to the password it was issued under: a new password ends it."""
    return hmac.new(secret().encode(), password_hash.encode(), hashlib.sha256).hexdigest()[:32]


def issue(user_id: str, language: str, password_hash: str) -> str:
    return _serializer().dumps({"u": user_id, "l": language, "p": fingerprint(password_hash)})


def read(token: str | None) -> dict[str, str] | None:
    """The content of a cookie signed here and younger than the session timeout; None for
    anything else (missing, tampered, expired, from another secret)."""
    if not token:
        return None
    try:
        content = _serializer().loads(token, max_age=settings().session_minutes * 60)
    except BadData:
        return None
    if not isinstance(content, dict) or not all(
            isinstance(content.get(k), str) for k in ("u", "l", "p")):
        return None
    return content


# --- a new session: the language and the user of the cookie ------------------------------
def _cookies() -> dict[str, str]:
    try:
        return dict(st.context.cookies)
    except Exception:  # noqa: BLE001 - no browser request behind this run (tests)
        return {}


def start() -> None:
    """On the first run of a session, the language the browser keeps, if it keeps one.
    Call before anything is translated."""
    if st.session_state.get(_READ) or "language" in st.session_state:
        return
    cookies = _cookies()
    content = read(cookies.get(SESSION))
    for language in (content or {}).get("l"), cookies.get(LANGUAGE):
        if language in LANGUAGES:
            st.session_state["language"] = language
            return


def restored() -> Actor | None:
    """The actor of a valid session cookie, once per Streamlit session (a refresh); the
    account as it is now, or None."""
    if st.session_state.get(_READ) or settings().auth != "password":
        st.session_state[_READ] = True
        return None
    st.session_state[_READ] = True
    actor = actor_of(read(_cookies().get(SESSION)))
    if actor is not None:
        st.session_state["seen_at"] = time.time()
    return actor


def actor_of(content: dict[str, str] | None) -> Actor | None:
    """The actor of a cookie's content, when the account may still sign in as it did: active,
    no new password due, the same password; its role and schools as the store has them."""
    if content is None:
        return None
    app = services.app()
    try:
        account = app.account(content["u"])
        if not account.is_active or account.must_change_password or not hmac.compare_digest(
                fingerprint(account.password_hash), content["p"]):
            return None
        return app.actor_for(content["u"])
    except UnknownUser:
        return None


def signed_out() -> None:
    """After sign-out (the session state cleared): the cookie of the first request is not
    read again, and the next `keep(None)` removes it from the browser."""
    st.session_state[_READ] = True


# --- telling the browser --------------------------------------------------------------------
def keep(actor: Actor | None, language: str) -> None:
    """Send the browser the cookies of this run: the session of `actor` (renewed while
    active), or none when signed out; and the language."""
    cookies: list[dict[str, Any]] = [{"name": LANGUAGE, "value": language,
                                      "max_age": LANGUAGE_MAX_AGE}]
    if actor is None or settings().auth != "password":
        st.session_state.pop(_WRITTEN, None)
        cookies.append({"name": SESSION, "value": "", "max_age": 0})
    else:
        written = st.session_state.get(_WRITTEN)
        if not written or written[:2] != (actor.user_id, language) \
                or time.time() - written[3] > RENEW_AFTER:
            token = issue(actor.user_id, language,
                          services.app().account(actor.user_id).password_hash)
            written = (actor.user_id, language, token, time.time())
            st.session_state[_WRITTEN] = written
        cookies.append({"name": SESSION, "value": written[2],
                        "max_age": settings().session_minutes * 60})
    _writer(key="session_cookie", data={"cookies": cookies}, height=0)
