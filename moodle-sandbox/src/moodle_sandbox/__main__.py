"""Run the sandbox: ``python -m moodle_sandbox --port 8081``."""

from __future__ import annotations

import sys

from moodle_sandbox.cli import main

sys.exit(main())
