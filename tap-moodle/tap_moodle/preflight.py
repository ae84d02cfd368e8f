"""Check before a sync that the token's service has every wsfunction it needs."""

from __future__ import annotations

import typing as t

from tap_moodle.errors import MoodleConfigurationError

if t.TYPE_CHECKING:
    from collections.abc import Iterable

    from tap_moodle.streams.base import MoodleStream

SITE_INFO = "core_webservice_get_site_info"


def required_wsfunctions(streams: Iterable[MoodleStream]) -> dict[str, list[str]]:
    """Return, for each wsfunction the streams call, the streams it feeds."""
    needed: dict[str, list[str]] = {}
    for stream in streams:
        for wsfunction in stream.wsfunctions:
            needed.setdefault(wsfunction, []).append(stream.name)
    return needed


def check_service_functions(
    site: str, site_info: dict[str, t.Any], streams: Iterable[MoodleStream]
) -> None:
    """Raise if the token's external service lacks a function the streams call.

    Raises:
        MoodleConfigurationError: Naming each missing wsfunction and the streams
            it feeds.
    """
    available = {function["name"] for function in site_info.get("functions", [])}
    needed = required_wsfunctions(streams)
    missing = {name: feeds for name, feeds in needed.items() if name not in available}
    if not missing:
        return
    listing = "; ".join(
        f"{name} (streams: {', '.join(sorted(set(feeds)))})"
        for name, feeds in sorted(missing.items())
    )
    detail = (
        f"the token's external service lacks {len(missing)} wsfunction(s) that "
        f"the selected streams call: {listing}. Add them to the service (Site "
        "administration > Server > Web services > External services > Functions) "
        "or deselect those streams."
    )
    raise MoodleConfigurationError(site, SITE_INFO, detail)
