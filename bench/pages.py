"""Page open times on the demo data: every page of every role, run by Streamlit's own
AppTest (the server-side script run a browser waits for), median and worst of several
opens. The baseline, measured in the same run, is the sign-in page: the framework's own
cost of running a page with no data.

    python -m bench.pages [--children 60] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.common import RESULTS

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "kopir" / "web.py")
USERS = {"teacher": "teacher.ast-12", "psychologist": "psych.ast-12",
         "supervisor": "coordinator", "auditor": "auditor", "admin": "admin"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="kopir-pages-")
    os.environ["KOPIR_DATABASE_URL"] = f"sqlite:///{folder}/kopir.db"
    os.environ["KOPIR_LANGUAGE"] = "en"
    os.environ["STREAMLIT_LOGGER_LEVEL"] = "error"  # AppTest's bare-mode warnings, per run

    from streamlit.testing.v1 import AppTest

    from domain.access import Role
    from kopir import bootstrap, cli
    from ui import services
    from ui.navigation import page_file, pages_of

    if cli.main(["demo", "--children", str(args.children), "--until", str(date.today())]):
        raise SystemExit("bench.pages: the demo could not be seeded")
    services.provide(bootstrap.build)

    def opened(user: str | None, page: str | None) -> float:
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["language"] = "en"
        if user:
            at.session_state["actor"] = services.actor_for(user)
        at.run()
        if page is None:
            return 0.0
        started = time.perf_counter()
        at.switch_page(page_file(page)).run()
        elapsed = time.perf_counter() - started
        if at.exception:
            raise SystemExit(f"bench.pages: {page} failed for {user}: {at.exception}")
        return elapsed

    def login_page() -> float:
        started = time.perf_counter()
        AppTest.from_file(APP, default_timeout=60).run()
        return time.perf_counter() - started

    login_page()  # warm imports and caches before measuring anything
    baseline = statistics.median(login_page() for _ in range(args.repeat))
    rows = []
    print(f"\nPage open times, demo data ({args.children} children), {args.repeat} opens each")
    print(f"{'role':13} {'page':18} {'median ms':>10} {'worst ms':>9} {'× sign-in page':>15}")
    for role in Role:
        for page in pages_of(role):
            times = [opened(USERS[role.value], page) for _ in range(args.repeat)]
            median = statistics.median(times)
            rows.append({"role": role.value, "page": page, "median_ms": median * 1000,
                         "worst_ms": max(times) * 1000, "baseline_ms": baseline * 1000,
                         "ratio": median / baseline})
            print(f"{role.value:13} {page:18} {median * 1000:>10.0f} {max(times) * 1000:>9.0f} "
                  f"{median / baseline:>15.1f}")
    print(f"baseline: the sign-in page, median {baseline * 1000:.0f} ms")
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    (RESULTS / f"pages-{stamp}.json").write_text(json.dumps(
        {"children": args.children, "repeat": args.repeat, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
