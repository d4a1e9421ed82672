"""Failures the command line meets, said in one sentence for an operator: a store that is
missing, damaged, read-only or not a database; a database server that does not answer or
refuses; configuration values out of range; files that are not text. Anything else is
its first line, without the name of an exception (KOPIR_DEBUG=1 shows the traceback)."""

from __future__ import annotations

from pydantic import ValidationError

from infrastructure.disk import causes, is_disk_full

# (what the error says, lower case; or all of several phrases) -> the sentence for the operator
KNOWN = (
    ("file is not a database", "the store is not a Köpir database, or it is damaged: check "
                               "KOPIR_DATABASE_URL, or restore the store from a backup"),
    ("database disk image is malformed", "the store is damaged: restore it from a backup"),
    ("unable to open database file", "the store cannot be opened: check that its folder "
                                     "exists and that KOPIR_DATABASE_URL names a file"),
    ("readonly database", "the store is read-only, and this command writes to it"),
    ("read-only", "the store is read-only, and this command writes to it"),
    ("connection refused", "the database server does not answer: is it running, and is "
                           "KOPIR_DATABASE_URL right?"),
    ("could not translate host name", "the database server's host name is unknown: check "
                                      "KOPIR_DATABASE_URL"),
    ("password authentication failed", "the database server refused the user name or "
                                       "password in KOPIR_DATABASE_URL"),
    (("database \"", "does not exist"), "the database named in KOPIR_DATABASE_URL does not "
                                         "exist"),
    ("could not parse rfc 1738 url", "KOPIR_DATABASE_URL (or KOPIR_VIEWS_URL) is not a "
                                     "database address"),
    ("can't load plugin", "KOPIR_DATABASE_URL (or KOPIR_VIEWS_URL) names a kind of database "
                          "Köpir does not use: sqlite:/// or postgresql://"),
    ("is a directory", "a file was expected, and a folder was given"),
    ("codec can't decode", "a file that should be text is not"),
)


def sentence(error: BaseException) -> str:
    """One line saying what went wrong, in words an operator can act on."""
    if isinstance(error, ValidationError):
        return configuration(error)
    if is_disk_full(error):
        return ("the disk is full. Everything saved before this moment is intact; free some "
                "space and run the command again.")
    said = " ".join(str(e) for e in causes(error)).lower()
    for words, meaning in KNOWN:
        if all(w in said for w in ((words,) if isinstance(words, str) else words)):
            return meaning
    first = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
    return (first[:300] or "the command failed") + " (KOPIR_DEBUG=1 shows the details)"


def configuration(error: ValidationError) -> str:
    """Which variables are wrong and why, in one line."""
    prefix = "KOPIR_KAFKA_" if error.title == "KafkaSettings" else "KOPIR_"
    problems = []
    for problem in error.errors():
        name = prefix + "_".join(str(part) for part in problem["loc"]).upper()
        value = str(problem.get("input", ""))[:40]
        problems.append(f"{name}={value!r}: {problem['msg'].lower()}")
    return "the configuration is not usable: " + "; ".join(problems)
