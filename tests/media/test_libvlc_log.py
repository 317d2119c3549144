"""libvlc's log does not flood ours: what a QA walkthrough's 40 minutes of live video
sent (6,698 "TS duplicate" lines among 6,849) reaches Python logging as a few lines."""

from __future__ import annotations

import logging

import pytest

from storeops.media.availability import LibVlcLogRelay

ERROR, WARNING, NOTICE = 4, 3, 2
DUPLICATE = "libdvbpsi error (PSI decoder): TS duplicate (received {n}, expected {m}) for PID 0"


@pytest.fixture
def relay_log(caplog):
    logger = logging.getLogger("tests.media.libvlc")
    caplog.set_level(logging.DEBUG, logger=logger.name)
    return LibVlcLogRelay(logger, every=100), caplog


def messages(caplog, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level]


def test_the_walkthrough_flood_is_held_back(relay_log):
    relay, caplog = relay_log
    caplog.set_level(logging.INFO, logger=relay.logger.name)  # the app's level
    for i in range(6698):
        relay.record(ERROR, DUPLICATE.format(n=i % 16, m=(i + 1) % 16))
        if i % 50 == 0:
            relay.record(ERROR, "http stream error: cannot connect to 127.0.0.1:8080")
    relay.record(ERROR, "main decoder error: cannot continue")
    info = messages(caplog, logging.INFO)
    assert not any("TS duplicate" in m for m in info)
    connect = [m for m in info if "cannot connect" in m]
    # 134 identical errors: the first, then the count at the 100th.
    assert connect == [
        "http stream error: cannot connect to 127.0.0.1:8080",
        "http stream error: cannot connect to 127.0.0.1:8080 (seen 100 times)",
    ]
    assert "main decoder error: cannot continue" in info
    assert len(caplog.records) == 3


def test_harmless_duplicates_stay_at_debug_and_are_counted(relay_log):
    relay, caplog = relay_log
    for i in range(250):
        relay.record(ERROR, DUPLICATE.format(n=i % 16, m=(i + 1) % 16))
    debug = messages(caplog, logging.DEBUG)
    assert len(debug) == 3 and not messages(caplog, logging.INFO)
    assert debug[0] == DUPLICATE.format(n=0, m=1)
    assert debug[1].endswith("(seen 100 times)") and debug[2].endswith("(seen 200 times)")


def test_levels_and_tokens(relay_log):
    relay, caplog = relay_log
    relay.record(NOTICE, "notices are dropped")
    relay.record(WARNING, "a warning at debug")
    relay.record(ERROR, "access error: http://h/v1/hls/c.m3u8?token=SECRET&x=1 failed")
    assert messages(caplog, logging.DEBUG) == ["a warning at debug"]
    assert messages(caplog, logging.INFO) == ["access error: http://h/v1/hls/c.m3u8?token=***&x=1 failed"]
    assert relay.wants(ERROR) and not relay.wants(NOTICE)
