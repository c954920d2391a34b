"""The registry's schedule keys: schedule, jitter, active_hours; a mistake is one line naming the key."""

import pytest

from spiders.errors import SourcesError
from spiders.sources import DEFAULT_SCHEDULE
from tests.registries import load_one as load


def test_defaults(tmp_path):
    s = load(tmp_path)
    assert s.schedule == DEFAULT_SCHEDULE and s.jitter_seconds() == 0 and s.active_hours == ""


def test_schedule_keys_read(tmp_path):
    s = load(tmp_path, 'schedule = "cron: */30 7-21 * * 1-5"\njitter = "90s"\nactive_hours = "07:00-22:00"\n')
    assert s.schedule_interval() is None and s.jitter_seconds() == 90 and s.active_hours == "07:00-22:00"


@pytest.mark.parametrize("line, key", [
    ('schedule = "every hour"', "schedule"),
    ('schedule = "0m"', "schedule"),
    ('schedule = "cron: 61 * * * *"', "schedule"),
    ('schedule = "cron: * * *"', "schedule"),
    ('jitter = "a bit"', "jitter"),
    ("jitter = 30", "jitter"),
    ('active_hours = "7-22"', "active_hours"),
    ('active_hours = "07:00-25:00"', "active_hours"),
    ('active_hours = "08:00-08:00"', "active_hours"),
])
def test_bad_schedule_keys_are_one_line(tmp_path, line, key):
    with pytest.raises(SourcesError) as err:
        load(tmp_path, line + "\n")
    message = str(err.value)
    assert f"key '{key}'" in message and "'one'" in message and "\n" not in message
