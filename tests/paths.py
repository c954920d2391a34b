"""Where the tests' material lives, defined once for every test folder."""

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"  # saved pages, one folder per source
DATA = TESTS / "data"  # evaluation sets and tagging cases
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"  # real pages shared by the project (read in place)
