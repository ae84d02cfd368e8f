"""The concurrency cap: at most N requests served at once, the others queue."""

from __future__ import annotations

import threading
import time
import typing as t
from concurrent.futures import ThreadPoolExecutor

import pytest
from sandbox_http import control, rest_call

from moodle_sandbox import FaultRule, SandboxServer
from moodle_sandbox.stats import WorkerPool

if t.TYPE_CHECKING:
    from moodle_sandbox import Site

# Each request keeps its worker this long, so that requests overlap.
HOLD_SECONDS = 0.2


def hold_every_call() -> list[FaultRule]:
    return [FaultRule(fault="latency", seconds=HOLD_SECONDS)]


def call_in_parallel(port: int, count: int) -> list[int]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [
            pool.submit(rest_call, port, "core_webservice_get_site_info")
            for _ in range(count)
        ]
        return [future.result().status for future in futures]


# The worker pool on its own.


def test_pool_caps_concurrent_holders() -> None:
    pool = WorkerPool(2)
    inside = 0
    most_inside = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal inside, most_inside
        with pool.worker():
            with lock:
                inside += 1
                most_inside = max(most_inside, inside)
            time.sleep(0.05)
            with lock:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stats = pool.stats()

    assert most_inside == 2
    assert stats.peak == 2
    assert stats.in_flight == 0
    assert stats.queued_requests == 4
    assert stats.queue_wait_seconds > 0


def test_pool_serves_waiters_in_arrival_order() -> None:
    pool = WorkerPool(1)
    order: list[int] = []
    release = threading.Event()

    def first() -> None:
        with pool.worker():
            release.wait(5)

    def waiter(number: int) -> None:
        with pool.worker():
            order.append(number)

    holder = threading.Thread(target=first)
    holder.start()
    waiters = []
    for number in range(4):
        thread = threading.Thread(target=waiter, args=(number,))
        thread.start()
        waiters.append(thread)
        # Wait until this waiter is queued before starting the next one.
        deadline = time.monotonic() + 5
        while pool.stats().queued_requests <= number and time.monotonic() < deadline:
            time.sleep(0.005)
    release.set()
    for thread in [holder, *waiters]:
        thread.join()

    assert order == [0, 1, 2, 3]


def test_pool_without_cap_only_measures() -> None:
    pool = WorkerPool(None)
    with pool.worker(), pool.worker(), pool.worker():
        during = pool.stats()

    assert during.in_flight == 3
    assert during.peak == 3
    assert during.queued_requests == 0
    assert during.max_concurrent is None


def test_pool_reset_keeps_in_flight() -> None:
    pool = WorkerPool(4)
    with pool.worker():
        with pool.worker():
            pass
        pool.reset()
        stats = pool.stats()

    assert stats.peak == 1
    assert stats.in_flight == 1
    assert stats.queued_requests == 0


def test_pool_rejects_cap_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        WorkerPool(0)


# The cap on a running sandbox.


def test_cap_limits_served_requests(site: Site) -> None:
    with SandboxServer(site, max_concurrent=2, faults=hold_every_call()) as sandbox:
        statuses = call_in_parallel(sandbox.port, 6)
        stats = sandbox.stats().concurrency

    assert statuses == [200] * 6
    assert stats.max_concurrent == 2
    assert stats.peak == 2
    assert stats.queued_requests >= 3
    assert stats.peak_queued >= 1
    assert stats.queue_wait_seconds >= HOLD_SECONDS
    assert stats.max_queue_wait_seconds >= HOLD_SECONDS * 0.9


def test_no_cap_serves_all_at_once(site: Site) -> None:
    with SandboxServer(site, faults=hold_every_call()) as sandbox:
        call_in_parallel(sandbox.port, 4)
        stats = sandbox.stats().concurrency

    assert stats.max_concurrent is None
    assert stats.peak >= 2
    assert stats.queued_requests == 0


def test_control_endpoints_bypass_cap(site: Site) -> None:
    rule = FaultRule(fault="latency", seconds=1.0)
    with SandboxServer(site, max_concurrent=1, faults=[rule]) as sandbox:
        busy = threading.Thread(
            target=rest_call, args=(sandbox.port, "core_webservice_get_site_info")
        )
        busy.start()
        deadline = time.monotonic() + 5
        while sandbox.stats().concurrency.in_flight < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        answer = control(sandbox.port, "GET", "/_sandbox/stats")
        elapsed = time.monotonic() - started
        busy.join()

    assert answer.status == 200
    assert answer.json()["concurrency"]["in_flight"] == 1
    assert elapsed < 0.9
