"""Stream that marks each stream's completed full sync, for deletion downstream.

Moodle's web services return what exists and report no deletions.
A row that a complete full sync of its site no longer returns has been deleted in
Moodle. target-postgres stamps every row it writes with ``_sdc_sync_started_at``,
so after a sync whose record is here, a row of the same site with an older stamp
was not returned. Courses skipped after an error are listed, because their rows
were not read and must not count as deleted. A sync that stops early writes no
record, so nothing is marked deleted after it, and neither does a sync limited
by course_ids or category_ids for the courses and their per-course streams.
"""

from __future__ import annotations

import datetime as dt
import typing as t

from singer_sdk import typing as th

from tap_moodle.streams.base import INSTANCE, MoodleStream

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from singer_sdk.helpers.types import Context


class StreamSyncsStream(MoodleStream):
    """One record per stream whose full sync finished, written after all streams."""

    name = "stream_syncs"
    wsfunction = "core_webservice_get_site_info"
    primary_keys = ("instance", "stream")
    schema = th.PropertiesList(
        INSTANCE,
        th.Property("stream", th.StringType, required=True),
        th.Property(
            "completed_at",
            th.DateTimeType,
            description="When the sync of every stream finished (UTC).",
        ),
        th.Property(
            "skipped_courseids",
            th.ArrayType(th.IntegerType),
            description=(
                "Courses that the stream did not read in full: a partition "
                "failed, the course ended before ended_courses_days, or an "
                "incremental sync found it unchanged. Their rows keep their "
                "state from earlier syncs."
            ),
        ),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:  # noqa: ANN401
        """Start with no completed stream: records come after every other sync."""
        super().__init__(*args, **kwargs)
        self.completed_streams: list[str] = []

    def get_records(
        self,
        context: Context | None,  # noqa: ARG002
    ) -> Iterable[dict[str, t.Any]]:
        """Yield one record per completed stream; none until the tap sets them."""
        completed_at = dt.datetime.now(tz=dt.UTC).isoformat()
        failures = self.moodle.partition_failures
        out_of_window = self.moodle.scope.out_of_window
        unchanged = self.moodle.changes.unchanged
        for stream in self.completed_streams:
            skipped = set(failures.courseids(stream))
            definition = self.moodle.streams[stream]
            if definition.parent_stream_type is not None:
                skipped |= out_of_window
            if getattr(definition, "reads_changed_courses_only", False):
                skipped |= unchanged
            yield {
                "stream": stream,
                "completed_at": completed_at,
                "skipped_courseids": sorted(skipped),
            }
