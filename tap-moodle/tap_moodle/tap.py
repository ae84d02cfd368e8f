"""The tap-moodle Singer tap."""

from __future__ import annotations

import datetime as dt
import functools
import typing as t
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.exceptions import ConfigValidationError

from tap_moodle.changes import ChangeDetector
from tap_moodle.client import MoodleClient
from tap_moodle.failures import PartitionFailures
from tap_moodle.partitions import CourseAnswers
from tap_moodle.personal import KEEP, MODES, PersonalDataPolicy
from tap_moodle.preflight import check_service_functions
from tap_moodle.scope import Scope
from tap_moodle.streams import STREAM_TYPES, StreamSyncsStream

if t.TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from singer_sdk import Stream

    from tap_moodle.streams.base import MoodleStream

T = t.TypeVar("T")

# The stream state entry that keeps the change detection bookmark, one per site.
CHANGES_STATE_STREAM = "courses"
CHANGES_STATE_KEY = "change_detection"
CLOCK_DIFFERENCE_WARNING_SECONDS = 60
# Moodle stores a course access at most once a minute. A shorter lookback could
# miss a change made within that minute after a sync read the course.
MIN_LOOKBACK_HOURS = 0.05
R = t.TypeVar("R")


def instance_from_url(base_url: str) -> str:
    """Derive a site's instance name from its URL: host, port and path.

    ``https://moodle.example.edu/lms/`` becomes ``moodle.example.edu/lms``. The
    port is kept, so two sites on one host get different names.
    """
    parts = urlsplit(base_url.strip())
    host = (parts.hostname or "").lower()
    port = f":{parts.port}" if parts.port else ""
    return f"{host}{port}{parts.path.rstrip('/')}"


# A number, or its decimal text: Meltano 4.4 fails to write a setting of kind
# decimal set from an environment variable, so Meltano passes these as strings.
DECIMAL = th.CustomType({"type": ["number", "string"], "pattern": r"^\s*\d+(\.\d+)?\s*$"})

# The tap's own settings; the SDK adds its built-in ones to config_jsonschema.
SETTINGS = th.PropertiesList(
    th.Property(
        "base_url",
        th.StringType,
        required=True,
        pattern=r"^https?://[^/\s]+",
        description=(
            "Address of the Moodle site, such as https://moodle.example.edu or "
            "https://example.edu/moodle, without /webservice/rest/server.php."
        ),
    ),
    th.Property(
        "token",
        th.StringType,
        required=True,
        secret=True,
        description=(
            "Web service token of a user who may call the external service's "
            "functions; a site administrator's token sees every course."
        ),
    ),
    th.Property(
        "instance",
        th.StringType,
        description=(
            "Name of the site stamped on every record and part of every primary "
            "key. Defaults to the URL's host, port and path."
        ),
    ),
    th.Property(
        "request_timeout",
        DECIMAL,
        default=300,
        description=(
            "Seconds to wait for the server to connect or to send data before "
            "a request counts as failed. Grade reports of large courses take "
            "several seconds."
        ),
    ),
    th.Property(
        "max_retries",
        th.IntegerType,
        default=5,
        description=(
            "Retries of a request after a transient failure (timeout, refused "
            "or reset connection, HTTP 5xx or 429), with exponential backoff."
        ),
    ),
    th.Property(
        "backoff_base",
        DECIMAL,
        default=1.0,
        description="Seconds to wait before the first retry; each retry doubles it.",
    ),
    th.Property(
        "max_concurrency",
        th.IntegerType,
        default=4,
        description=(
            "Requests in flight at once against the site. Each request keeps "
            "one PHP worker of the site busy; raise it only as far as the site "
            "has workers to spare."
        ),
    ),
    th.Property(
        "requests_per_second",
        DECIMAL,
        description=(
            "Upper limit of requests started per second, across all threads. "
            "No limit when unset."
        ),
    ),
    th.Property(
        "course_ids",
        th.ArrayType(th.IntegerType),
        description=(
            "Read only these courses (and their enrolments, grades and "
            "completion). All courses when unset."
        ),
    ),
    th.Property(
        "category_ids",
        th.ArrayType(th.IntegerType),
        description=(
            "Read only the courses directly in these categories; list "
            "subcategories too, because Moodle does not include them. Ignored "
            "when course_ids is set."
        ),
    ),
    th.Property(
        "ended_courses_days",
        th.IntegerType,
        description=(
            "Skip the per-course streams (enrolments, grades, completion) of "
            "courses whose end date is more than this many days ago; their "
            "rows keep the values of earlier syncs. Every course is read when "
            "unset."
        ),
    ),
    th.Property(
        "change_detection",
        th.BooleanType,
        default=True,
        description=(
            "Incremental syncs: read grade items, grades and course completion "
            "again only for courses that were edited, visited by an enrolled "
            "user, or changed their enrolled users since the last sync. The "
            "first sync, and one every full_sync_days, reads every course."
        ),
    ),
    th.Property(
        "changes_lookback_hours",
        DECIMAL,
        default=1,
        description=(
            "Hours before the last sync's start, on the site's clock, from "
            "which course visits count as changes. It covers what Moodle "
            "writes after a visit: course access times, stored at most once "
            "a minute, and course completion, which cron aggregates on its "
            "next run. Raise it on sites whose cron runs less than hourly. "
            "At least 0.05 (3 minutes)."
        ),
    ),
    th.Property(
        "full_sync_days",
        DECIMAL,
        default=7,
        description=(
            "Days after which a sync reads every course again, whatever "
            "change detection finds."
        ),
    ),
    th.Property(
        "users_strategy",
        th.StringType,
        default="id_batches",
        allowed_values=["id_batches", "all"],
        description=(
            "How the users stream reads accounts: 'id_batches' asks "
            "core_user_get_users_by_field for users_batch_size ids per call, "
            "so no answer is large; 'all' makes one core_user_get_users call "
            "that returns every account at once."
        ),
    ),
    th.Property(
        "users_max_id_gap",
        th.IntegerType(minimum=1),
        default=2_000,
        description=(
            "With 'id_batches', the users stream stops after this many "
            "consecutive ids return no account. Moodle never removes a user "
            "row, but its id sequence skips values, for instance after "
            "failed inserts; raise this if a site has larger gaps."
        ),
    ),
    th.Property(
        "users_batch_size",
        th.IntegerType(minimum=1),
        default=500,
        description="User ids per call when users_strategy is 'id_batches'.",
    ),
    th.Property(
        "enrolled_users_page_size",
        th.IntegerType(minimum=1),
        default=1000,
        description=(
            "Users per call of core_enrol_get_enrolled_users. Larger pages mean "
            "fewer calls; smaller pages mean shorter, lighter answers."
        ),
    ),
    th.Property(
        "partition_errors",
        th.StringType,
        default="skip",
        allowed_values=["skip", "fail"],
        description=(
            "What an error that concerns one course or one user does (no "
            "permission in that course, a broken activity): 'skip' skips that "
            "partition, counts it and reports it at the end of the sync; "
            "'fail' stops the sync."
        ),
    ),
    th.Property(
        "personal_data",
        th.StringType,
        default="keep",
        allowed_values=list(MODES),
        description=(
            "What happens to personal fields (names, e-mail, username, id "
            "number, phone, address, city, description, pictures, custom "
            "profile fields) before records leave the tap: 'keep' them, "
            "'hash' them (HMAC-SHA256 with personal_data_salt), or 'drop' "
            "them (null)."
        ),
    ),
    th.Property(
        "personal_data_salt",
        th.StringType,
        secret=True,
        description=(
            "Secret key of the hashes when personal_data is 'hash': at least "
            "16 random characters, different for each site and never changed, "
            "or every hash changes."
        ),
    ),
    th.Property(
        "verify_tls",
        th.BooleanType,
        default=True,
        description=(
            "Verify the site's TLS certificate. Turning this off is unsafe: it "
            "exposes the token to anyone who can intercept the connection."
        ),
    ),
)


class TapMoodle(Tap):
    """Extract users, courses, enrolments, grades and completion from Moodle."""

    name = "tap-moodle"

    config_jsonschema = SETTINGS.to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:  # noqa: ANN401
        """Prepare the thread pool and the per-course answers."""
        super().__init__(*args, **kwargs)
        self.executor = ThreadPoolExecutor(
            max_workers=self.max_concurrency, thread_name_prefix="moodle"
        )
        self.course_answers = CourseAnswers(self.executor)
        self.course_partitions = 0
        self.scope = Scope.from_config(self.config)
        self.course_times: dict[int, int] = {}
        self.changes = ChangeDetector(
            self._stored_bookmark(),
            enabled=bool(self.config.get("change_detection", True)),
            lookback_hours=self._lookback_hours(),
            full_sync_days=float(self.config.get("full_sync_days", 7)),
        )
        self.partition_failures = PartitionFailures(
            self.instance,
            self.logger,
            fatal=self.config.get("partition_errors") == "fail",
        )
        try:
            self.personal_data = PersonalDataPolicy(
                self.config.get("personal_data", KEEP),
                self.config.get("personal_data_salt"),
            )
        except ValueError as error:
            raise ConfigValidationError(str(error), errors=[str(error)]) from error

    def _lookback_hours(self) -> float:
        """Return ``changes_lookback_hours``, rejecting one too short to be safe.

        Raises:
            ConfigValidationError: For a lookback under ``MIN_LOOKBACK_HOURS``.
        """
        hours = float(self.config.get("changes_lookback_hours", 1))
        if hours < MIN_LOOKBACK_HOURS:
            msg = (
                f"changes_lookback_hours is {hours:g}: under {MIN_LOOKBACK_HOURS} "
                "(3 minutes), incremental syncs can miss changes, because Moodle "
                f"stores a course access at most once a minute. Set it to "
                f"{MIN_LOOKBACK_HOURS} or more."
            )
            raise ConfigValidationError(msg, errors=[msg])
        return hours

    @property
    def max_concurrency(self) -> int:
        """Requests in flight at once."""
        return max(1, int(self.config.get("max_concurrency", 4)))

    @property
    def prefetch_window(self) -> int:
        """Courses whose answers are fetched ahead of the course being synced."""
        return 2 * self.max_concurrency

    def map_concurrently(
        self, function: Callable[[T], R], items: Iterable[T]
    ) -> Iterator[R]:
        """Apply ``function`` to each item on the thread pool; results keep order."""
        return self.executor.map(function, items)

    @property
    def instance(self) -> str:
        """The site's instance name."""
        return self.config.get("instance") or instance_from_url(
            self.config.get("base_url", "")
        )

    @property
    def _requests_per_second(self) -> float | None:
        # The SDK reads numbers in a config file as Decimal.
        value = self.config.get("requests_per_second")
        return None if value is None else float(value)

    @functools.cached_property
    def client(self) -> MoodleClient:
        """The client of the configured site, shared by every stream."""
        return MoodleClient(
            self.config["base_url"],
            self.config["token"],
            site=self.instance,
            timeout=float(self.config.get("request_timeout", 300)),
            max_retries=int(self.config.get("max_retries", 5)),
            backoff_base=float(self.config.get("backoff_base", 1.0)),
            max_concurrency=self.max_concurrency,
            requests_per_second=self._requests_per_second,
            verify_tls=bool(self.config.get("verify_tls", True)),
            user_agent=f"tap-moodle/{self.plugin_version}",
        )

    @functools.cached_property
    def site_info(self) -> dict[str, t.Any]:
        """The answer of ``core_webservice_get_site_info``, fetched once."""
        return t.cast("dict[str, t.Any]", self.client.call("core_webservice_get_site_info"))

    @property
    def siteid(self) -> int:
        """Id of the site course."""
        return int(self.site_info.get("siteid", 1))

    def discover_streams(self) -> list[Stream]:
        """Return one stream per Moodle entity."""
        return [stream_type(tap=self) for stream_type in STREAM_TYPES]

    def _stored_bookmark(self) -> dict[str, t.Any]:
        """Return the change detection bookmark from the input state, if any."""
        bookmarks = self.state.get("bookmarks", {})
        return dict(bookmarks.get(CHANGES_STATE_STREAM, {}).get(CHANGES_STATE_KEY, {}))

    def course_changed(self, courseid: int, enrolled_users: list[dict[str, t.Any]]) -> bool:
        """Return whether the heavy per-course streams read this course in this sync."""
        timemodified = self.course_times.get(courseid, 0)
        return self.changes.course_changed(courseid, timemodified, enrolled_users)

    def sync_all(self) -> None:  # type: ignore[misc]
        """Check the site's service, sync the streams, then mark completed syncs.

        The SDK marks ``sync_all`` final, but only this method spans the whole
        run: the check must come before the first stream and the records of
        ``stream_syncs`` after the last.
        """
        selected = [
            t.cast("MoodleStream", stream)
            for stream in self.streams.values()
            if stream.selected or stream.has_selected_descendents
        ]
        check_service_functions(self.instance, self.site_info, selected)
        self._start_on_server_clock()
        self._log_sync_mode()
        try:
            super().sync_all()
        finally:
            self.executor.shutdown(wait=False, cancel_futures=True)
        self.partition_failures.report()
        self._mark_completed_syncs(selected)
        self._store_bookmark()

    def _start_on_server_clock(self) -> None:
        """Start change detection at the site's time, from its first response's Date."""
        offset = self.client.clock_offset
        if offset is None:
            self.logger.warning(
                "Site '%s' sent no readable HTTP Date header: change detection "
                "uses this machine's clock. Keep it synchronised, or raise "
                "changes_lookback_hours by the clocks' difference.",
                self.instance,
            )
        elif abs(offset) > CLOCK_DIFFERENCE_WARNING_SECONDS:
            self.logger.warning(
                "The clock of site '%s' differs from this machine's by %+.0f s; "
                "change detection uses the site's clock.",
                self.instance,
                offset,
            )
        self.changes.start(self.client.server_time())

    def _log_sync_mode(self) -> None:
        if self.changes.since is None:
            self.logger.info("Full sync of site '%s': every course is read.", self.instance)
            return
        since = dt.datetime.fromtimestamp(self.changes.since, tz=dt.UTC)
        self.logger.info(
            "Incremental sync of site '%s': grades and completion are read for "
            "courses changed since %s.",
            self.instance,
            since.isoformat(),
        )

    def _store_bookmark(self) -> None:
        """Write the next change detection bookmark, once every stream finished."""
        stream = self.streams[CHANGES_STATE_STREAM]
        failed = {failure.courseid for failure in self.partition_failures.failures}
        stream.stream_state[CHANGES_STATE_KEY] = self.changes.next_bookmark(
            self.course_times, failed
        )
        self.state_writer.write_state(self.state)
        if self.changes.unchanged:
            self.logger.info(
                "%d courses were unchanged since the last sync and not read again.",
                len(self.changes.unchanged),
            )

    def _mark_completed_syncs(self, selected: list[MoodleStream]) -> None:
        syncs = t.cast("StreamSyncsStream", self.streams[StreamSyncsStream.name])
        if not syncs.selected:
            return
        syncs.completed_streams = [
            stream.name
            for stream in selected
            if stream.selected
            and stream is not syncs
            and not (self.scope.is_partial and _reads_courses(stream))
        ]
        syncs.sync()



def _reads_courses(stream: MoodleStream) -> bool:
    """Return whether the stream is the courses stream or one of its children."""
    return stream.name == "courses" or stream.parent_stream_type is not None


if __name__ == "__main__":
    TapMoodle.cli()
