"""Typed settings on disk: corrupt or wrongly typed files, ordered background saves,
the poll interval's bounds."""

from __future__ import annotations

import json
import logging

import pytest

from storeops.config import app_dirs
from storeops.settings import Settings


def test_corrupt_settings_give_defaults_and_a_warning(caplog):
    path = app_dirs().settings_file
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with caplog.at_level(logging.WARNING, logger="storeops.settings"):
        settings = Settings.load()
    assert settings.profiles == [] and settings.thresholds.amber == 80 and settings.thresholds.red == 100
    assert any("corrupt" in r.getMessage() for r in caplog.records)
    assert path.with_name("settings.json.corrupt").read_text() == "{not json"
    settings.last_pane = "traffic"
    assert settings.save()
    assert Settings.load().last_pane == "traffic"
    assert not list(path.parent.glob(".settings-*"))  # no temp file left behind


def test_background_saves_land_in_the_order_asked():
    settings = Settings.load()
    futures = []
    for pane in ("traffic", "cameras", "video", "occupancy"):
        settings.last_pane = pane
        futures.append(settings.save_in_background())  # a snapshot of this moment
    assert all(f.result(timeout=5) for f in futures)
    settings.flush()
    assert Settings.load().last_pane == "occupancy"


def test_settings_with_wrong_types_fall_back_to_defaults(caplog):
    path = app_dirs().settings_file
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"profiles": "nope", "poll_interval_s": -3}))
    with caplog.at_level(logging.WARNING):
        settings = Settings.load()
    assert settings.profiles == [] and settings.poll_interval_s == 15.0


def test_poll_interval_defaults_to_15_s_and_is_at_least_1_s():
    from pydantic import ValidationError

    assert Settings().poll_interval_s == 15.0  # issue 4: "every 15 s by default"
    with pytest.raises(ValidationError):
        Settings(poll_interval_s=0.5)
    settings = Settings.load()
    settings.poll_interval_s = 1
    assert settings.save()
    assert Settings.load().poll_interval_s == 1.0
