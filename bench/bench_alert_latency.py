"""New statement → mail in the inbox: how long, against the source's poll interval + 60 s?

Runs the real path on this machine: the demo site on 127.0.0.1 (its coe.int-like newsroom
polled every --interval seconds by the real scheduler, one subprocess per crawl), a
subscription to Council of Europe statements, and a local SMTP server as the inbox. After a
first crawl has stored the site's statements (and their mail arrived), the site publishes one
more statement at a random moment; the clock runs from that moment to the new mail's arrival.
Target (issue #11): latency <= interval + 60 s.

    python bench/bench_alert_latency.py [--interval 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from apscheduler.schedulers.background import BackgroundScheduler

from pipelines import outbox
from pipelines.db import open_db, utcnow
from pipelines.subscriptions import Subscription, check
from scheduler.alerts.sink import MailSink
from scheduler.commands.demo import LOCAL_SITE_SETTINGS
from scheduler.demo_site import DemoSite
from scheduler.schedule import CrawlRunner, build_scheduler
from spiders.sources import load_sources


def wait_for(condition, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--interval", type=int, default=20, help="poll interval of the source, seconds")
    ap.add_argument("--rounds", type=int, default=3, help="statements published one after another")
    args = ap.parse_args()
    os.environ["COMMUNIQUE_ALLOWED_NETWORKS"] = "127.0.0.0/8"
    latencies = []
    with DemoSite() as site, MailSink() as inbox, tempfile.TemporaryDirectory() as tmp:
        os.environ["COMMUNIQUE_SMTP_HOST"], os.environ["COMMUNIQUE_SMTP_PORT"] = inbox.host, str(inbox.port)
        held = list(site.held)
        if len(held) < args.rounds:  # publish copies of the held statement with new titles
            print(f"the demo holds {len(held)} statement(s) back; running {len(held)} round(s)")
        text = Path(site.write_sources(Path(tmp) / "sources.toml")).read_text(encoding="utf-8")
        registry = Path(tmp) / "sources.toml"
        registry.write_text(re.sub(r"schedule = \"[^\"]+\"", f"schedule = \"{args.interval}s\"", text), encoding="utf-8")
        sources = [s for s in load_sources(registry).values() if s.id == "demo-coe-en"]
        db = Path(tmp) / "bench.db"
        with open_db(db) as store:
            outbox.add_subscription(store, check(Subscription(recipient="bench@example.org", tags=["coe"])), utcnow())
        runner = CrawlRunner(sources, db, registry, jobs=1, settings=LOCAL_SITE_SETTINGS, timeout_s=120,
                             on_result=lambda r: print(f"  crawl {r.source}: {r.status}, new {r.new}, known {r.known}"
                                                       f"{' - ' + r.message if r.message else ''}"))
        scheduler = build_scheduler(sources, db, registry, runner=runner, scheduler_class=BackgroundScheduler)
        scheduler.start()
        try:
            if not wait_for(lambda: len(inbox.messages) > 0, 180):
                sys.exit("no mail after the first crawl: is the path broken?")
            time.sleep(5)  # the first round's mail is all in
            for n in range(min(args.rounds, len(held))):
                time.sleep(random.uniform(0, args.interval))
                before = len(inbox.messages)
                published = site.publish_next()
                start = time.monotonic()
                if not wait_for(lambda b=before: len(inbox.messages) > b, args.interval + 180):
                    print(f"round {n + 1}: no mail within {args.interval + 180} s")
                    continue
                latency = time.monotonic() - start
                latencies.append(latency)
                print(f"round {n + 1}: {published.title[:60]!r} mailed after {latency:.1f} s")
        finally:
            runner.gate.close()
            scheduler.shutdown(wait=False)
            runner.stop(grace_s=0, kill_grace_s=2)
    if latencies:
        worst = max(latencies)
        print(f"\npoll interval {args.interval} s; latency max {worst:.1f} s, mean {sum(latencies) / len(latencies):.1f} s;"
              f" target <= {args.interval + 60} s: {'met' if worst <= args.interval + 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
