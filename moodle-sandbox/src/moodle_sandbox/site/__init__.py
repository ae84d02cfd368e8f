"""The synthetic Moodle site: its records, generator, size presets and counts."""

from __future__ import annotations

from moodle_sandbox.site.generator import build_site, default_anchor
from moodle_sandbox.site.presets import SIZE_PRESETS, SizePreset
from moodle_sandbox.site.site import Landmarks, Site

__all__ = [
    "SIZE_PRESETS",
    "Landmarks",
    "Site",
    "SizePreset",
    "build_site",
    "default_anchor",
]
