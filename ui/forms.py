"""Helpers shared by the pages: the acting user, date-time input, refusals in plain
words, the language guard, and submissions that record once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from uuid import uuid4

import streamlit as st

from domain.access import Actor
from domain.errors import FieldProblem, InvalidEntry, KopirError
from domain.language import guard
from ui import services
from ui.i18n import current_language, has, t, translate


def actor() -> Actor:
    current = st.session_state.get("actor")
    if current is None:
        st.stop()
    return current


def moment(label: str, default: datetime, key: str, round_up: bool = False) -> datetime:
    """A date and time picked in the browser's local sense, stored as UTC. The picker
    works in minutes; `round_up` makes a default of "now" include this very minute."""
    if round_up and (default.second or default.microsecond):
        default = default.replace(second=0, microsecond=0) + timedelta(minutes=1)
    local = default.astimezone()
    if key in st.session_state:  # set by the user, or by a page's shortcut
        value = st.datetime_input(label, key=key)
    else:
        value = st.datetime_input(label, value=local.replace(tzinfo=None), key=key)
    return value.replace(tzinfo=local.tzinfo).astimezone(timezone.utc)


def choice_label(group: str) -> Callable[[Any], str]:
    """format_func for enum choices: `choice.<group>.<value>` in the session's language."""
    return labeller(f"choice.{group}.")


def labeller(prefix: str) -> Callable[[Any], str]:
    """format_func showing `<prefix><value>` in the language of the session that drew the
    widget (captured now: the function may be called outside the script run)."""
    language = current_language()

    def label(value: Any) -> str:
        return translate(f"{prefix}{getattr(value, 'value', value)}", language)
    return label


def lk(name: str) -> str:
    """The key of a widget whose options are shown in the session's language: one per
    language, so a switch of language shows the options in the new language at once."""
    return f"{name}_{current_language()}"


def field_label(name: str) -> str:
    base = name.split("[", 1)[0].split(".", 1)[0]
    return t(f"field.{base}") if has(f"field.{base}") else base


def problem_text(problem: FieldProblem) -> str:
    """A form's problem in the reader's language, by its code."""
    key = f"problem.{problem.code}"
    return t(key, **problem.params) if has(key) else problem.message


def refusal_text(error: KopirError) -> str:
    """A refusal in the reader's language, by its code, its values escaped (an
    operator's English sentence when the refusal has no code of its own)."""
    key = f"error.{error.code}"
    if not has(key):
        return str(error)
    values = {name: t(f"role.{value}") if name == "role" and has(f"role.{value}")
              else escape(value) for name, value in error.params.items()}
    return t(key, **values)


def show_refusal(error: KopirError) -> None:
    """A refusal as sentences a teacher understands, each problem next to its field name."""
    if isinstance(error, InvalidEntry):
        st.error(t("form.check"))
        for problem in error.problems:
            st.markdown(f"- **{escape(field_label(problem.field))}**: "
                        f"{escape(problem_text(problem))}")
    else:
        st.error(refusal_text(error))


def escape(text: str) -> str:
    """Markdown-escape text that came from a person (no HTML, links or formatting)."""
    specials = "\\`*_{}[]()#+-.!|<>~$:"
    return "".join("\\" + ch if ch in specials else ch for ch in str(text))


# --- submissions that record once --------------------------------------------------
def submission_id(form: str) -> str:
    """The id this form's next entry will be recorded under. It stays the same until the
    entry is saved and the user starts a new one, so a second click records nothing new."""
    key = f"{form}__submission"
    if key not in st.session_state:
        st.session_state[key] = str(uuid4())
    return st.session_state[key]


def start_new(form: str) -> None:
    st.session_state.pop(f"{form}__submission", None)
    st.session_state.pop(f"{form}__saved", None)


def saved(form: str, message: str | None = None) -> str | None:
    """Remember (or read) the confirmation of the last save of this form."""
    key = f"{form}__saved"
    if message is not None:
        st.session_state[key] = message
    return st.session_state.get(key)


def show_saved(form: str) -> bool:
    """Show the confirmation of a save and a button for the next entry; True if shown."""
    message = saved(form)
    if not message:
        return False
    st.success(message, icon=":material/check_circle:")
    if st.button(t("form.another"), key=f"{form}__another", type="primary"):
        start_new(form)
        for key in [k for k in st.session_state if str(k).startswith(f"{form}_")]:
            del st.session_state[key]
        st.rerun()
    return True


# --- the language guard ----------------------------------------------------------
def language_ok(form: str, texts: dict[str, str], quoting: bool) -> bool:
    """Check free text for stigmatising labels before saving. Shows a warning with
    neutral wording and returns False, unless the writer said they are quoting."""
    findings = guard().check({k: v for k, v in texts.items() if v})
    if not findings or quoting:
        return True
    lines = [t("guard.warning")]
    for f in findings:
        lines.append(t("guard.finding", field=escape(field_label(f.field)),
                       found=escape(f.found), neutral=escape(f.neutral)))
    lines.append(t("guard.advice"))
    st.warning("\n\n".join(lines), icon=":material/record_voice_over:")
    return False


def quoting_box(form: str) -> bool:
    return st.checkbox(t("guard.quoting"), key=f"{form}_quoting", help=t("guard.quoting_help"))


def pick_child(children: list[dict[str, Any]], key: str, label: str | None = None) -> str:
    codes = [c["code"] for c in children]
    return st.selectbox(label or t("field.child"), codes, key=key)


# --- page scaffolding ----------------------------------------------------------------
def reading_page(title: str, open_only: bool = False) -> tuple[Actor, list[dict[str, Any]]]:
    """Title, the acting user, and the children they may read (or a clear empty state)."""
    me = actor()
    st.title(t(title))
    children = services.children(me, open_only=open_only)
    if not children:
        st.info(t("empty.children"))
        st.stop()
    return me, children


def recording_page(form: str, title: str) -> tuple[Actor, list[dict[str, Any]]]:
    """A form page: as `reading_page`, and after a save only its confirmation."""
    me, children = reading_page(title, open_only=True)
    if show_saved(form):
        st.stop()
    return me, children


def save(form: str, command: Callable[..., Any], *args: Any, confirmation: Callable[[], str],
         **kwargs: Any) -> None:
    """Run the command under this form's submission id (its `entry_id`, so a second click
    records nothing new); show refusals, or confirm and start over."""
    try:
        services.record(command, *args, entry_id=submission_id(form), **kwargs)
    except KopirError as error:
        show_refusal(error)
    else:
        saved(form, confirmation())
        st.rerun()
