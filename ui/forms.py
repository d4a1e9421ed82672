"""Helpers shared by the pages: the acting user, date-time input, refusals in plain
words, the language guard, and submissions that record once."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable, Literal, overload
from uuid import uuid4

import streamlit as st

from domain.access import Actor
from domain.errors import FieldProblem, InvalidEntry, KopirError
from domain.language import guard
from ui import links, reads, services
from ui.i18n import (
    current_language,
    date_input_format,
    from_local,
    has,
    local_date,
    t,
    to_local,
    translate,
)


def actor() -> Actor:
    current = st.session_state.get("actor")
    if current is None:
        st.stop()
    return current


def moment(label: str, default: datetime, key: str, round_up: bool = False) -> datetime:
    """A date and time picked on the reader's clock (`local_zone`: their choice, their
    school's or the deployment's zone, Asia/Almaty by default), returned as aware UTC.
    The picker works in minutes; `round_up` makes a default of "now" include this very
    minute. A naive `default` is taken to be UTC."""
    if round_up and (default.second or default.microsecond):
        default = default.replace(second=0, microsecond=0) + timedelta(minutes=1)
    local = to_local(default)
    if key in st.session_state:  # set by the user, or by a page's shortcut
        value = st.datetime_input(label, key=key, format=date_input_format())
    else:
        value = st.datetime_input(label, value=local.replace(tzinfo=None, second=0,
                                                             microsecond=0),
                                  key=key, format=date_input_format())
    return from_local(value) if value is not None else to_local(default).astimezone(timezone.utc)


def optional_day(tick: str, label: str, key: str, in_days: int = 14,
                 earliest: date | None = None) -> date | None:
    """A day that may be left out (a follow-up, a new review date): a box to tick, and a
    date that starts at a sensible default rather than an empty field showing the picker's
    format pattern in English."""
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    planned = left.checkbox(tick, key=f"{key}_planned")
    day = right.date_input(label, value=local_date(services.now()) + timedelta(days=in_days),
                           min_value=earliest, key=key, format=date_input_format())
    return day if planned else None


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


def show_refusal(error: KopirError, form: str | None = None) -> None:
    """A refusal as sentences a teacher understands, each problem next to its field name;
    with `form`, in that form's problem area, above its Save button."""
    where = problem_area(form)
    if isinstance(error, InvalidEntry):
        where.error(t("form.check"))
        for problem in error.problems:
            where.markdown(f"- **{escape(field_label(problem.field))}**: "
                           f"{escape(problem_text(problem))}")
    else:
        where.error(refusal_text(error))


def problem_area(form: str | None) -> Any:
    """Where a form's problems go: the place `quoting_box` kept just above the form's
    Save button in this run, or the page itself."""
    area = st.session_state.get(f"{form}__problems") if form else None
    return area if area is not None else st


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
    neutral wording (in the reader's language, whatever the text's language) just above
    the "quoting" box, and returns False, unless the writer said they are quoting."""
    language = current_language()
    findings = guard().check({k: v for k, v in texts.items() if v}, language)
    if not findings or quoting:
        return True
    lines = [t("guard.warning")]
    for f in findings:
        lines.append(t("guard.finding", field=escape(field_label(f.field)),
                       found=escape(f.found), neutral=escape(f.neutral)))
    lines.append(escape(guard().advice_in(language)))
    lines.append(t("guard.advice", box=t("guard.quoting")))
    problem_area(form).warning("\n\n".join(lines), icon=":material/record_voice_over:")
    return False


def quoting_box(form: str) -> bool:
    """The "I am quoting" box, just above the Save button; the form's warnings and
    problems are shown right above it (see `problem_area`)."""
    st.session_state[f"{form}__problems"] = st.container(key=f"{form}__problem_area")
    return st.checkbox(t("guard.quoting"), key=f"{form}_quoting", help=t("guard.quoting_help"))


@overload
def pick_child(children: list[dict[str, Any]], key: str, label: str | None = None,
               required: Literal[True] = True) -> str: ...
@overload
def pick_child(children: list[dict[str, Any]], key: str, label: str | None = None, *,
               required: Literal[False]) -> str | None: ...
def pick_child(children: list[dict[str, Any]], key: str, label: str | None = None,
               required: bool = True) -> str | None:
    """The child the page is about, picked on purpose: nothing is preselected (a page opened
    from a link starts with the linked child). Search by typing the code, or the name where
    the reader's role may see names (showing them is a logged read, once per visit). With
    nothing picked yet, `required` shows a prompt and stops the page; otherwise None."""
    codes = [c["code"] for c in children]
    if st.session_state.get(key) is not None and st.session_state[key] not in codes:
        del st.session_state[key]  # a child no longer in the list (closed, moved away)
    linked, mark = links.linked_child(), f"{key}__linked"
    if linked is None:
        st.session_state.pop(mark, None)
    elif linked in codes and st.session_state.get(mark) != linked:
        st.session_state[key], st.session_state[mark] = linked, linked
    names = services.staff().child_names(actor(), already_shown=reads.names_shown())
    reads.names_shown().update(names)
    code = st.selectbox(label or t("field.child"), codes, index=None, key=key,
                        format_func=lambda c: f"{c} · {names[c]}" if names.get(c) else c,
                        placeholder=t("pick.placeholder_names" if names else "pick.placeholder"))
    if linked is not None and code is not None and code != linked:
        st.query_params["child"] = st.session_state[mark] = code  # the address says who
    if code is None and required:
        st.info(t("pick.prompt"), icon=":material/person_search:")
        st.stop()
    return code


# --- page scaffolding ----------------------------------------------------------------
def reading_page(title: str, open_only: bool = False) -> tuple[Actor, list[dict[str, Any]]]:
    """Title, the acting user, and the children they may read (or a clear empty state)."""
    me = actor()
    st.title(t(title))
    try:
        children = services.children(me, open_only=open_only)
    except KopirError as error:  # a role that reads no records, on a page not in its menu
        show_refusal(error)
        st.stop()
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
    records nothing new); show refusals (above the Save button), or confirm and start over."""
    try:
        services.record(command, *args, entry_id=submission_id(form), **kwargs)
    except KopirError as error:
        show_refusal(error, form)
    else:
        saved(form, confirmation())
        st.rerun()
