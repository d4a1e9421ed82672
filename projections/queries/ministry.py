"""The ministry's view: aggregates by region and school term, never a child.

What the analyst sees, per term and region: children enrolled and positive peer ties per
child; wellbeing by area (the mean of the session indicators); incidents by kind
(conflicts and peer incidents, positive interactions apart); concerns raised, by whether
they were handled (acknowledged or resolved) by their deadline; support-plan measures by
type and by outcome (their status). Every table goes through `domain.suppression`
(fewer than 5 children behind a number: "<5", with complementary suppression); trends
and exports are made of the suppressed tables only. Nothing below the region leaves
here: no child code or name, no school id or name.

Terms (UTC dates): "YYYY-1" January–May, "YYYY-2" June–August (the summer holidays),
"YYYY-3" September–December, the halves of Kazakhstan's school year. A child counts in
every term their enrolment was open for a day of it, and in the region of their school
now (a child who moved counts where they are); an entry counts in the term it happened
in, a concern in the term it was opened, a measure in the term it starts. Each term is
its own set of tables (no query spans two terms or filters a region's rows out), so the
only sums to difference are those `domain.suppression` protects; what changes between
two terms (a child who joined) is not hidden beyond each term's own suppression.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any, Callable

from sqlalchemy import select

from domain import access
from domain.access import Actor
from domain.suppression import SUPPRESSED, Entry, Key, Line, grid, suppress
from domain.vocabulary import (
    INDICATORS,
    POSITIVE_PEER_KINDS,
    ConflictKind,
    MeasureStatus,
    MeasureType,
    PeerIncidentKind,
)
from projections.queries.common import Reader
from projections.tables import children, chronology, concerns, measures, schools, wellbeing

INCIDENT_KINDS = (*(f"conflict.{k.value}" for k in ConflictKind),
                  *(f"peer.{k.value}" for k in PeerIncidentKind if k not in POSITIVE_PEER_KINDS))
CONCERN_STATES = ("on_time", "late", "waiting")
MEASURE_TYPES = tuple(f"type.{k.value}" for k in MeasureType)
MEASURE_OUTCOMES = tuple(f"status.{k.value}" for k in MeasureStatus)
ALL = "*"


def term_of(moment: datetime | date) -> str:
    part = 1 if moment.month <= 5 else 2 if moment.month <= 8 else 3
    return f"{moment.year}-{part}"


def terms_between(first: str, last: str) -> list[str]:
    """Every term from `first` to `last`, in order."""
    year, part = (int(x) for x in first.split("-"))
    found = []
    while f"{year}-{part}" <= last:
        found.append(f"{year}-{part}")
        year, part = (year, part + 1) if part < 3 else (year + 1, 1)
    return found


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment


class Tally:
    """Sums by (term, region, column), with the children behind each, and the totals of
    rows ("*" column), of columns ("*" region) and the grand total as they are added."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, str, str], tuple[list[float], set[str]]] = {}

    def add(self, term: str, region: str, column: str, child: str, value: float = 1.0) -> None:
        for key in ((term, region, column), (term, region, ALL), (term, ALL, column),
                    (term, ALL, ALL)):
            sums, kids = self.found.setdefault(key, ([0.0, 0.0], set()))
            sums[0] += value
            sums[1] += 1
            kids.add(child)

    def entry(self, key: tuple[str, str, str], by_count: bool = False) -> Entry:
        sums, kids = self.found.get(key, ([0.0, 0.0], set()))
        return Entry(sums[1] if by_count else sums[0], len(kids))

    def mean(self, key: tuple[str, str, str]) -> float:
        sums, _ = self.found.get(key, ([0.0, 0.0], set()))
        return round(sums[0] / sums[1], 2) if sums[1] else 0.0


class MinistryQueries(Reader):
    def overview(self, actor: Actor, term: str | None = None) -> dict[str, Any]:
        """The suppressed tables of a term (the latest when none is named), and the trends
        over every term, made of the suppressed tables of each."""
        access.check_may_see_aggregates(actor)
        with self.view.transaction(commit=False):  # one snapshot for every table
            facts = self._facts(self.app.clock.now())
        terms, regions = facts["terms"], facts["regions"]
        if not terms:
            return {"terms": [], "term": None, "regions": regions, "tables": {}, "trend": []}
        chosen = term if term in terms else terms[-1]
        every = {t: _tables(facts, t, regions) for t in terms}
        return {"terms": terms, "term": chosen, "regions": regions, "tables": every[chosen],
                "trend": _trend(every)}

    # --- the read models, summed (nothing per child leaves this method) --------------
    def _facts(self, now: datetime) -> dict[str, Any]:
        region_of = {r["school_id"]: r["region"] or "" for r in self._select(
            select(schools.c.school_id, schools.c.region))}
        h, k, w, m = chronology.c, concerns.c, wellbeing.c, measures.c
        kids = {r["child_id"]: r for r in self._select(
            select(children.c.child_id, children.c.school_id, children.c.enrolled_on,
                   children.c.status))}
        closed: dict[str, datetime] = {}
        for row in self._select(select(h.child_id, h.occurred_at).where(
                h.kind == "EnrolmentClosed", h.status != "retracted")):
            closed[row["child_id"]] = max(_utc(row["occurred_at"]),
                                          closed.get(row["child_id"], _utc(row["occurred_at"])))
        region = {cid: region_of.get(r["school_id"], "") for cid, r in kids.items()}
        regions = sorted(set(region_of.values()))
        current = term_of(_utc(now))
        enrolled, positive, incidents, areas = Tally(), Tally(), Tally(), Tally()
        concern_states, measure_types, measure_outcomes = Tally(), Tally(), Tally()
        first = min((term_of(_utc(r["enrolled_on"])) for r in kids.values()), default=None)
        for cid, row in kids.items():
            until = closed.get(cid) if row["status"] == "closed" else None
            last = min(term_of(until), current) if until else current
            for t in terms_between(term_of(_utc(row["enrolled_on"])), last):
                enrolled.add(t, region[cid], "enrolled", cid)
        for row in self._select(select(h.child_id, h.kind, h.occurred_at, h.fields).where(
                h.kind.in_(("ConflictRecorded", "PeerIncidentRecorded")),
                h.status != "retracted")):
            cid, t = row["child_id"], term_of(_utc(row["occurred_at"]))
            if cid not in region:
                continue
            fields = json.loads(row["fields"])
            if fields.get("positive"):
                positive.add(t, region[cid], "positive", cid)
            else:
                prefix = "conflict" if row["kind"] == "ConflictRecorded" else "peer"
                incidents.add(t, region[cid], f"{prefix}.{fields.get('kind')}", cid)
        for row in self._select(select(w.child_id, w.occurred_at, *(w[a] for a in INDICATORS))
                                .where(w.retracted.is_(False))):
            if row["child_id"] in region:
                for area in INDICATORS:
                    if row[area] is not None:
                        areas.add(term_of(_utc(row["occurred_at"])), region[row["child_id"]],
                                  area, row["child_id"], float(row[area]))
        for row in self._select(select(k.child_id, k.opened_at, k.acknowledge_by,
                                       k.acknowledged_at, k.resolved_at)
                                .where(k.status != "folded")):
            if row["child_id"] in region:
                concern_states.add(term_of(_utc(row["opened_at"])), region[row["child_id"]],
                                   _handled(row, _utc(now)), row["child_id"])
        for row in self._select(select(m.child_id, m.measure_type, m.status, m.starts_on)):
            if row["child_id"] in region:
                t, where = term_of(date.fromisoformat(row["starts_on"][:10])), region[row["child_id"]]
                measure_types.add(t, where, f"type.{row['measure_type']}", row["child_id"])
                measure_outcomes.add(t, where, f"status.{row['status']}", row["child_id"])
        return {"terms": terms_between(first, current) if first else [], "regions": regions,
                "enrolled": enrolled, "positive": positive, "incidents": incidents,
                "areas": areas, "concerns": concern_states, "measure_types": measure_types,
                "measure_outcomes": measure_outcomes}


def _handled(row: dict[str, Any], now: datetime) -> str:
    """On time (acknowledged or resolved by the deadline), late, or still waiting."""
    done = [_utc(t) for t in (row["acknowledged_at"], row["resolved_at"]) if t is not None]
    deadline = _utc(row["acknowledge_by"]) if row["acknowledge_by"] else None
    if done:
        return "on_time" if deadline is None or min(done) <= deadline else "late"
    return "late" if deadline is not None and deadline < now else "waiting"


# --- one term's tables, suppressed ----------------------------------------------------
def _tables(facts: dict[str, Any], term: str, regions: list[str]) -> dict[str, Any]:
    return {"children": _children(facts, term, regions),
            "wellbeing": _wellbeing(facts["areas"], term, regions),
            "incidents": _counts(facts["incidents"], term, regions, INCIDENT_KINDS),
            "concerns": _counts(facts["concerns"], term, regions, CONCERN_STATES),
            **_measures(facts["measure_types"], facts["measure_outcomes"], term, regions)}


def _cells(tally: Tally, term: str, regions: list[str], columns: tuple[str, ...],
           prefix: str, by_count: bool = False,
           row_totals: bool = True) -> tuple[dict[Key, Entry], list[Line]]:
    return grid({(r, c): tally.entry((term, r, c), by_count) for r in regions for c in columns},
                regions, columns,
                {r: tally.entry((term, r, ALL), by_count) for r in regions} if row_totals
                else None,
                {c: tally.entry((term, ALL, c), by_count) for c in columns},
                tally.entry((term, ALL, ALL), by_count), prefix)


def _shown(hidden: frozenset[Key], prefix: str, regions: list[str], columns: tuple[str, ...],
           value: Callable[[str, str], float | int], totals: bool) -> dict[str, Any]:
    """The published table: a row per region, then the total row; "<5" where hidden."""
    def cell(r: str, c: str) -> float | int | str:
        return SUPPRESSED if (prefix, r, c) in hidden else value(r, c)

    wanted = (*columns, ALL) if totals else columns
    return {"columns": list(columns),
            "rows": [{"region": r, **{("total" if c == ALL else c): cell(r, c) for c in wanted}}
                     for r in regions],
            "total": {("total" if c == ALL else c): cell(ALL, c) for c in wanted}}


def _counts(tally: Tally, term: str, regions: list[str],
            columns: tuple[str, ...]) -> dict[str, Any]:
    entries, lines = _cells(tally, term, regions, columns, "n")
    hidden = suppress(entries, lines)
    return _shown(hidden, "n", regions, columns,
                  lambda r, c: int(tally.entry((term, r, c)).value), True)


def _children(facts: dict[str, Any], term: str, regions: list[str]) -> dict[str, Any]:
    """Children enrolled, and positive ties per child: a region's ratio is hidden with
    its count (the two would give the number of ties)."""
    enrolled, positive = facts["enrolled"], facts["positive"]
    every = [*regions, ALL]
    entries: dict[Key, Entry] = {}
    for r in every:
        kids = enrolled.entry((term, r, "enrolled"))
        entries[("c", r, "enrolled")] = kids
        entries[("c", r, "positive")] = Entry(positive.entry((term, r, "positive")).value,
                                              kids.children)
    lines = [Line(tuple(("c", r, c) for r in regions), ("c", ALL, c))
             for c in ("enrolled", "positive")]
    hidden = suppress(entries, lines, [(("c", r, "enrolled"), ("c", r, "positive"))
                                       for r in every])
    shown = _shown(hidden, "c", regions, ("enrolled", "positive"), lambda r, c: (
        int(entries[("c", r, c)].value) if c == "enrolled" else
        round(entries[("c", r, "positive")].value / entries[("c", r, "enrolled")].value, 2)),
        False)
    shown["columns"] = ["enrolled", "positive_per_child"]
    for row in (*shown["rows"], shown["total"]):
        row["positive_per_child"] = row.pop("positive")
    return shown


def _wellbeing(tally: Tally, term: str, regions: list[str]) -> dict[str, Any]:
    """Means by area; hidden where fewer than 5 children were assessed, and as counts of
    sessions would be (so that the national mean cannot isolate a region)."""
    entries, lines = _cells(tally, term, regions, INDICATORS, "w", by_count=True,
                            row_totals=False)
    hidden = suppress(entries, lines)
    return _shown(hidden, "w", regions, INDICATORS, lambda r, c: tally.mean((term, r, c)),
                  False)


def _measures(types: Tally, outcomes: Tally, term: str, regions: list[str]) -> dict[str, Any]:
    """Measures by type and by outcome: two tables with the same row totals, suppressed
    together so that neither gives the other's hidden totals away."""
    by_type, type_lines = _cells(types, term, regions, MEASURE_TYPES, "m")
    by_outcome, outcome_lines = _cells(outcomes, term, regions, MEASURE_OUTCOMES, "m")
    hidden = suppress({**by_type, **by_outcome}, [*type_lines, *outcome_lines])
    return {name: _shown(hidden, "m", regions, columns,
                         lambda r, c, tally=tally: int(tally.entry((term, r, c)).value), True)
            for name, tally, columns in (("measure_types", types, MEASURE_TYPES),
                                         ("measure_outcomes", outcomes, MEASURE_OUTCOMES))}


def _trend(every: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Per term: children, incidents and concerns by region and in all, wellbeing by area
    in all; only the numbers the term's tables publish."""
    points = []
    for term, tables in every.items():
        for what, table, column in (("enrolled", "children", "enrolled"),
                                    ("incidents", "incidents", "total"),
                                    ("concerns", "concerns", "total")):
            for row in (*tables[table]["rows"], {**tables[table]["total"], "region": ALL}):
                if row[column] != SUPPRESSED:
                    points.append({"term": term, "region": row["region"], "measure": what,
                                   "value": row[column]})
        for area in INDICATORS:
            value = tables["wellbeing"]["total"][area]
            if value != SUPPRESSED:
                points.append({"term": term, "region": ALL, "measure": area, "value": value})
    return points
