"""The Singer SDK's standard tap tests, run against the Moodle sandbox over HTTP.

``get_tap_test_class`` builds a tap while pytest collects this module, before
any fixture runs, so ``shared_server`` starts the sandbox on import.
"""

from __future__ import annotations

from singer_sdk.testing import SuiteConfig, get_tap_test_class

from tap_moodle.tap import TapMoodle

from .sandbox_site import shared_server, tap_config_for

# No record limit: a full sync of the sandbox takes about two seconds, and only
# a full sync reaches every course of the per-course streams.
# The standard tests sync each stream on its own; stream_syncs only has records
# after a whole sync_all, which test_streams checks.
SUITE_CONFIG = SuiteConfig(
    max_records_limit=None, ignore_no_records_for_streams=["stream_syncs"]
)

TestTapMoodle = get_tap_test_class(
    tap_class=TapMoodle,
    config=tap_config_for(shared_server()),
    suite_config=SUITE_CONFIG,
    # Environment variables such as TAP_MOODLE_BASE_URL must not send the
    # tests to another site.
    parse_env_config=False,
)
