"""minimum_calls: an extraction that makes no needless call makes exactly that many."""

from __future__ import annotations

import typing as t

import pytest
from extraction import extract_minimally
from wsclient import WsClient

from moodle_sandbox import (
    SandboxServer,
    Site,
    build_site,
    expected_counts,
    minimum_calls,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

ANCHOR = 1_767_225_600
COUNTED_STREAMS = ("users", "enrolments", "grades", "course_completions")


@pytest.fixture
def served(site: Site) -> Iterator[tuple[SandboxServer, WsClient]]:
    with SandboxServer(site) as sandbox:
        ws = WsClient(sandbox.url, sandbox.token)
        try:
            yield sandbox, ws
        finally:
            ws.close()


@pytest.mark.parametrize(("batch", "page"), [(500, 1000), (7, 5), (1, 1)])
def test_minimal_extraction_makes_minimum_calls(
    served: tuple[SandboxServer, WsClient], site: Site, batch: int, page: int
) -> None:
    sandbox, ws = served
    max_userid = max(user.id for user in site.users)
    sandbox.reset_stats()

    records = extract_minimally(ws, max_userid, batch, page)
    calls = sandbox.calls

    assert calls == minimum_calls(site, batch, page)
    expected = expected_counts(site)
    for stream in COUNTED_STREAMS:
        assert records[stream] == expected[stream], stream


def test_large_page_is_one_call_per_course(site: Site) -> None:
    calls = minimum_calls(site, enrolled_users_page_size=10_000)

    assert calls["core_enrol_get_enrolled_users"] == len(site.non_site_courses())


def test_full_page_needs_one_more_call() -> None:
    site = build_site(seed=1, anchor=ANCHOR)
    sizes = {
        course.id: len(site.enrolled_user_ids(course.id))
        for course in site.non_site_courses()
    }
    page = max(sizes.values())
    full_courses = sum(1 for size in sizes.values() if size == page)

    calls = minimum_calls(site, enrolled_users_page_size=page)

    assert calls["core_enrol_get_enrolled_users"] == len(sizes) + full_courses


def test_user_batches_cover_highest_id(site: Site) -> None:
    highest = max(user.id for user in site.users)

    assert (
        minimum_calls(site, users_batch_size=highest)["core_user_get_users_by_field"]
        == 1
    )
    assert (
        minimum_calls(site, users_batch_size=highest - 1)[
            "core_user_get_users_by_field"
        ]
        == 2
    )


def test_completion_calls_per_tracked_user(site: Site) -> None:
    tracked = sum(
        len(site.tracked_user_ids(course.id))
        for course in site.non_site_courses()
        if course.enablecompletion
    )

    assert minimum_calls(site)["core_completion_get_course_completion_status"] == (
        tracked
    )
    assert expected_counts(site)["course_completions"] == tracked


def test_site_method_matches_function(site: Site) -> None:
    assert site.minimum_calls(7, 5) == minimum_calls(site, 7, 5)


@pytest.mark.parametrize(("batch", "page"), [(0, 10), (10, 0)])
def test_sizes_below_one_rejected(site: Site, batch: int, page: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        minimum_calls(site, batch, page)
