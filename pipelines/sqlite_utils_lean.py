"""sqlite-utils, imported without numpy: most of a reading command's start-up otherwise.

sqlite-utils imports numpy and pandas whenever they are installed (numpy is, for MinHash),
only to map their number types to column types. communique stores plain Python values,
and importing numpy costs ~80 ms of every `communique search`. So sqlite-utils is imported
with both hidden; they stay importable afterwards, and the first text stored imports numpy
for its MinHash signature (pipelines/nearcopy.py). If numpy is already loaded, nothing is hidden.
"""

from __future__ import annotations

import sys

_HIDDEN = [name for name in ("numpy", "pandas") if name not in sys.modules and "sqlite_utils" not in sys.modules]
for _name in _HIDDEN:
    sys.modules[_name] = None  # type: ignore[assignment]  # `import numpy` raises ImportError meanwhile
try:
    from sqlite_utils import Database, Migrations
finally:
    for _name in _HIDDEN:
        if sys.modules.get(_name, False) is None:
            del sys.modules[_name]

__all__ = ["Database", "Migrations"]
