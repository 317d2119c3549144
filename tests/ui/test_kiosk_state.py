"""Pure kiosk logic: which state and words a snapshot gives, the message
catalogue, and the PIN hash."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from storeops.services.occupancy import StoreOccupancy, StoreRef
from storeops.services.store_hours import OpenState
from storeops.ui.kiosk.config import KioskConfig
from storeops.ui.kiosk.messages import CATALOGUE, Messages, languages
from storeops.ui.kiosk.pin import hash_pin, verify_pin
from storeops.ui.kiosk.state import KioskState, kiosk_view

NOW = datetime(2026, 11, 18, 21, 0, tzinfo=UTC)  # 15:00 in Chicago
REF = StoreRef("u1", "Chicago Loop", "201", 80, "America/Chicago")


def snap(occupancy=10, *, limit=80, failed=0, fresh_at=100.0, hours=OpenState(True), updated=NOW):
    ref = StoreRef(REF.uuid, REF.name, REF.store_id, limit, REF.time_zone)
    return StoreOccupancy(
        ref, occupancy=occupancy, updated_at=updated, fresh_at=fresh_at, failed_polls=failed, hours=hours
    )


def view(s, lang="en", now_mono=100.5, interval=1.0):
    return kiosk_view(s, interval=interval, messages=Messages(lang), now=NOW, now_mono=now_mono)


def test_states_by_fullness():
    assert view(snap(10)).state is KioskState.WELCOME
    assert view(snap(10)).detail == "70 more may enter"
    assert view(snap(3, limit=4)).detail == "1 more may enter"
    assert view(snap(79)).detail == "Only 1 more may enter"
    assert view(snap(64)).state is KioskState.NEARLY_FULL
    assert view(snap(64)).detail == "Only 16 more may enter"
    assert view(snap(80)).state is KioskState.WAIT
    assert view(snap(95)).number == "95"
    assert view(snap(20, limit=None)).state is KioskState.WELCOME
    assert view(snap(20, limit=None)).number_caption == "people inside"


def test_old_or_failed_data_asks_for_staff_never_green():
    assert view(snap(10), now_mono=100.0 + 2.01).state is KioskState.ASK_STAFF  # > two intervals old
    assert view(snap(10), now_mono=100.0 + 1.9).state is KioskState.WELCOME
    v = view(snap(10, failed=2))
    assert v.state is KioskState.ASK_STAFF and v.number == ""
    assert v.detail == "The live count is not available (as of 15:00)"  # store-local time
    assert view(snap(None, failed=2, updated=None)).detail == "The live count is not available"
    assert view(snap(10, failed=2), lang="de").detail.endswith("(Stand 15:00)")


def test_closed_names_the_opening():
    today = OpenState(False, opens_at=datetime(2026, 11, 18, 18, 0))
    tomorrow = OpenState(False, opens_at=datetime(2026, 11, 19, 10, 0))
    later = OpenState(False, opens_at=datetime(2026, 11, 21, 10, 0))
    assert view(snap(hours=today)).detail == "We open at 18:00"
    assert view(snap(hours=tomorrow)).detail == "We open tomorrow at 10:00"
    assert view(snap(hours=later)).detail == "We open Saturday at 10:00"
    assert view(snap(hours=later), lang="es").detail == "Abrimos el sábado a las 10:00"
    assert view(snap(hours=OpenState(False))).detail == "See you soon"
    assert view(snap(hours=today, failed=5)).state is KioskState.CLOSED  # hours beat stale counts


def test_starting_before_any_data():
    assert view(None).state is KioskState.STARTING
    assert view(snap(None, updated=None, fresh_at=None)).state is KioskState.STARTING


@pytest.mark.parametrize("lang", ["es", "fr", "de"])
def test_every_language_has_every_message(lang):
    assert set(CATALOGUE[lang]) == set(CATALOGUE["en"])
    m = Messages(lang)
    assert m.get("welcome_title") != Messages("en").get("welcome_title")
    assert len(m.get("weekdays").split(",")) == 7


def test_messages_fall_back_and_survive_bad_files(tmp_path):
    assert {"en", "es", "fr"} <= set(languages())
    assert Messages("es-MX").get("closed_title") == "Cerrado"
    assert Messages("xx").get("closed_title") == "Closed"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert Messages.load("en", bad).get("welcome_title") == "Welcome"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"en": {"welcome_detail": "{oops} may enter"}}), encoding="utf-8")
    assert Messages.load("en", broken).count("welcome_detail", 3) == "3 more may enter"


def test_pin_is_stored_hashed_and_checked():
    stored = hash_pin("2468", iterations=1000)
    assert "2468" not in stored and stored.startswith("pbkdf2_sha256$1000$")
    assert hash_pin("2468", iterations=1000) != stored  # salted
    assert verify_pin("2468", stored) and not verify_pin("2469", stored)
    assert not verify_pin("2468", "garbage") and not verify_pin("2468", "")
    with pytest.raises(ValueError):
        hash_pin("")


def test_kiosk_config_refuses_a_plain_pin(tmp_path):
    path = tmp_path / "kiosk.json"
    path.write_text(json.dumps({"lang": "fr", "pin": "1234", "staff_buttons": True, "x": 1}), encoding="utf-8")
    config = KioskConfig.load(path)
    assert config.lang == "fr" and config.staff_buttons and config.pin_hash is None
    assert KioskConfig.load(tmp_path / "missing.json") == KioskConfig()
