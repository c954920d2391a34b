"""The crawl gate: at most N crawls, one per site, nothing after close — with real threads."""

import threading

from scheduler.schedule import CrawlGate


def start(gate: CrawlGate, site: str) -> tuple[threading.Thread, list[bool]]:
    """A thread entering the gate for `site`; its answer lands in the returned list."""
    answer: list[bool] = []
    thread = threading.Thread(target=lambda: answer.append(gate.enter(site)), daemon=True)
    thread.start()
    return thread, answer


def test_one_crawl_per_site():
    gate = CrawlGate(jobs=2)
    assert gate.enter("a.example")
    waiting, answer = start(gate, "a.example")
    other, other_answer = start(gate, "b.example")
    other.join(5)
    assert other_answer == [True]  # another site passes at once
    waiting.join(0.2)
    assert waiting.is_alive() and answer == []  # the same site waits
    gate.leave("a.example")
    waiting.join(5)
    assert answer == [True] and gate.running == 2


def test_at_most_n_at_once():
    gate = CrawlGate(jobs=1)
    assert gate.enter("a.example")
    waiting, answer = start(gate, "b.example")
    waiting.join(0.2)
    assert waiting.is_alive() and answer == []
    gate.leave("a.example")
    waiting.join(5)
    assert answer == [True]


def test_close_turns_away_waiting_and_new_crawls():
    gate = CrawlGate(jobs=1)
    assert gate.enter("a.example")
    waiting, answer = start(gate, "b.example")
    gate.close()
    waiting.join(5)
    assert answer == [False]
    assert gate.enter("c.example") is False
    assert not gate.wait_idle(0.01)  # the crawl that got in still runs
    gate.leave("a.example")
    assert gate.wait_idle(1)
