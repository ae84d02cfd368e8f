"""The project's declarations agree with each other: settings, plugins, docs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from tap_moodle.tap import SETTINGS

ROOT = Path(__file__).resolve().parents[1]


def extractor_definitions() -> dict[str, dict]:
    document = yaml.safe_load((ROOT / "extract" / "extractors.meltano.yml").read_text())
    return {plugin["name"]: plugin for plugin in document["plugins"]["extractors"]}


def tap_settings() -> set[str]:
    return set(SETTINGS.to_dict()["properties"])


def test_meltano_declares_every_tap_setting():
    declared = {s["name"] for s in extractor_definitions()["tap-moodle"]["settings"]}
    assert declared == tap_settings()


def test_secrets_are_sensitive_in_meltano():
    settings = extractor_definitions()["tap-moodle"]["settings"]
    sensitive = {s["name"] for s in settings if s.get("sensitive")}
    secret = {
        name
        for name, schema in SETTINGS.to_dict()["properties"].items()
        if schema.get("secret")
    }
    assert secret == {"token", "personal_data_salt"}
    assert sensitive == secret


def test_tap_readme_documents_every_setting():
    readme = (ROOT / "tap-moodle" / "README.md").read_text()
    for name in tap_settings():
        assert f"| `{name}` |" in readme, name


def test_sites_inherit_from_tap_moodle():
    plugins = extractor_definitions()
    for number in range(1, 5):
        site = plugins[f"tap-moodle-{number}"]
        assert site["inherit_from"] == "tap-moodle"
        assert site["config"]["base_url"] == f"$TAP_MOODLE_{number}_BASE_URL"
        assert site["config"]["token"] == f"$TAP_MOODLE_{number}_TOKEN"


def test_env_example_lists_every_site_variable():
    example = (ROOT / ".env.example").read_text()
    for number in range(1, 5):
        for suffix in ("BASE_URL", "TOKEN", "INSTANCE"):
            assert f"TAP_MOODLE_{number}_{suffix}=" in example, (number, suffix)


def test_every_plugin_installs_without_the_hub():
    for path in ROOT.glob("*/*.meltano.yml"):
        plugins = yaml.safe_load(path.read_text()).get("plugins", {})
        for kind, definitions in plugins.items():
            for plugin in definitions:
                if "inherit_from" in plugin:
                    continue
                assert plugin.get("namespace"), (kind, plugin["name"])
                assert plugin.get("pip_url"), (kind, plugin["name"])


def test_outside_project_names_folder(tmp_path):
    command = [sys.executable, "-m", "moodle_stack", "demo"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)

    assert result.returncode == 2
    assert f"no meltano.yml found in {tmp_path} or any folder above it" in result.stderr
    assert "Traceback" not in result.stderr
