"""The demo's hidden truth: "needs attention" episodes planned on top of each child's
everyday record, labelled as they are planned. Outside an episode incidents are minor
(severity 1 to 3, no injury); inside one the record shows it, as it would at school:

- crisis: a serious incident (severity 4 or 5, or an injury written down), then more;
- stigma: a degrading nickname, repeated within days;
- withdrawal: a session where wellbeing has fallen by two points or more, then missed ones.

The labels are written beside the data (`kopir demo` writes `kopir-truth.jsonl` next to
the store), never into the event store; `kopir rules evaluate` measures the rules with
them."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path

from domain.commands import (
    ConflictReport,
    CounsellingSession,
    PeerIncidentReport,
    Wellbeing,
)
from domain.rules.quality import Episode
from domain.vocabulary import (
    Attendance,
    ConflictKind,
    LabelAbout,
    ParticipantRole,
    PeerIncidentKind,
    SessionType,
)
from kopir.seed import demo_text as text
from kopir.seed.demo_cast import Plan
from kopir.seed.demo_support import SupportPlans

EPISODE_RATE = 0.45  # per child and school year
KINDS = (("crisis", 4), ("stigma", 3), ("withdrawal", 2))


class EpisodePlans(SupportPlans):
    def plan(self, count: int) -> None:
        self.episodes: list[Episode] = []
        super().plan(count)
        for plan in self.plans:
            self.plan_episodes(plan)

    def plan_episodes(self, plan: Plan) -> None:
        rng = self.rng
        last = self.until - timedelta(days=21)
        if plan.end_at is not None:
            last = min(last, plan.end_at - timedelta(days=30))
        if plan.transfer is not None:
            last = min(last, plan.transfer[0] - timedelta(days=30))
        year = self.start
        while year < last:
            first = max(year, plan.enrol_at + timedelta(days=14))
            end = min(year + timedelta(days=270), last)
            if first < end and rng.random() < EPISODE_RATE:
                moment = self.school_day(first + (end - first) * rng.random())
                kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
                previous = self.fallen_from(plan, moment) if kind == "withdrawal" else None
                if previous is not None:
                    finish = self.withdrawal(plan, moment, previous)
                else:
                    kind = "stigma" if kind == "withdrawal" else kind  # nothing to fall from
                    finish = getattr(self, kind)(plan, moment)
                self.episodes.append(Episode(plan.code, kind, moment, finish))
            year += timedelta(days=365)

    def crisis(self, plan: Plan, start: datetime) -> datetime:
        rng = self.rng
        injured = rng.random() < 0.5
        self.plan_entry(plan, "teacher", start, "record_conflict", ConflictReport(
            occurred_at=start, kind=ConflictKind.PHYSICAL,
            severity=rng.choice([3, 4]) if injured else rng.choice([4, 4, 5]),
            description=rng.choice(text.CRISIS if injured else text.SERIOUS),
            child_role=ParticipantRole.TARGET, action_taken=rng.choice(text.ACTION)))
        for _ in range(rng.randint(1, 3)):
            later = self.school_day(start + timedelta(days=rng.randint(2, 12)))
            self.plan_entry(plan, "teacher", later, "record_peer_incident", PeerIncidentReport(
                occurred_at=later, kind=PeerIncidentKind.BULLYING,
                description=rng.choice(text.BULLYING), severity=rng.choice([2, 3]),
                child_role=ParticipantRole.TARGET, others_not_in_system=True))
        return start + timedelta(days=rng.randint(14, 28))

    def stigma(self, plan: Plan, start: datetime) -> datetime:
        rng = self.rng
        about = rng.choice([LabelAbout.ORIGIN, LabelAbout.RELIGION, LabelAbout.FAMILY])
        moment = start
        for _ in range(rng.randint(2, 3)):
            self.plan_entry(plan, "teacher", moment, "record_peer_incident", PeerIncidentReport(
                occurred_at=moment, kind=PeerIncidentKind.STIGMATISING_LABEL,
                description=rng.choice(text.NICKNAME), severity=rng.choice([2, 3]),
                child_role=ParticipantRole.TARGET, label_about=about,
                participants=(), others_not_in_system=True, action_taken=rng.choice(text.ACTION)))
            moment = self.school_day(moment + timedelta(days=rng.randint(2, 5)))
        return start + timedelta(days=rng.randint(10, 21))

    def fallen_from(self, plan: Plan, moment: datetime) -> Wellbeing | None:
        """The child's last attended session before `moment`, when a fall of two points
        from it is possible (a score of 3 or more)."""
        before = [w for at, w in self.sessions.get(plan.code, []) if at < moment and w]
        if before and max(vars(before[-1]).values()) >= 3:
            return before[-1]
        return None

    def withdrawal(self, plan: Plan, start: datetime, previous: Wellbeing) -> datetime:
        rng = self.rng
        fallen = Wellbeing(**{k: max(1, v - 2) if v >= 3 else v for k, v in vars(previous).items()})
        self.plan_entry(plan, "psych", start, "record_counselling_session", CounsellingSession(
            occurred_at=start, session_type=SessionType.INDIVIDUAL,
            attendance=Attendance.ATTENDED, wellbeing=fallen,
            summary=rng.choice(text.WITHDRAWN)))
        moment = start
        for _ in range(2):
            moment = self.school_day(moment + timedelta(days=rng.randint(4, 8)))
            self.plan_entry(plan, "psych", moment, "record_counselling_session",
                            CounsellingSession(occurred_at=moment,
                                               session_type=SessionType.INDIVIDUAL,
                                               attendance=Attendance.MISSED))
        return moment + timedelta(days=rng.randint(7, 14))


def write_truth(path: Path, episodes: list[Episode]) -> None:
    """The labels, one JSON line each, beside the store."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for episode in sorted(episodes, key=lambda e: (e.start, e.child_code)):
            row = asdict(episode)
            out.write(json.dumps({**row, "start": episode.start.isoformat(),
                                  "end": episode.end.isoformat()}) + "\n")

