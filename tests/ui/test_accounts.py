"""The accounts dialog: validation beside the fields, and "Test connection"
against the real simulator (401, 403, unreachable, timeout, success)."""

from __future__ import annotations

import asyncio
import json

import pytest

from storeops.config import app_dirs
from storeops.secrets import SecretStore
from storeops.settings import Settings
from storeops.ui.dialogs.accounts import AccountsDialog
from tests.conftest import ACCESS_KEY, SECRET_KEY
from tests.helpers import self_signed_cert, wait_until
from tests.ui.shell_env import closed_port_url

pytestmark = pytest.mark.gui


@pytest.fixture
def dialog(qtbot, qloop):
    d = AccountsDialog(Settings.load(), SecretStore())
    qtbot.addWidget(d)
    d.show()
    return d


def fill(d: AccountsDialog, name="Acme", target="acme", access=ACCESS_KEY, secret=SECRET_KEY):
    for key, value in (("name", name), ("target", target), ("access_key", access), ("secret_key", secret)):
        d.edits[key].setText(value)


def save(d: AccountsDialog):
    """Save through the dialog's own async path (keyring and disk off the GUI thread)."""
    return asyncio.get_event_loop().run_until_complete(d.save())


def run_test(qloop, d: AccountsDialog) -> str:
    d.test_connection()

    async def done():
        await wait_until(
            lambda: d.test_button.isEnabled() and d.test_result.text() and "Testing" not in d.test_result.text(),
            timeout=15,
        )

    qloop.run_until_complete(done())
    return d.test_result.text()


def test_empty_form_shows_a_message_beside_each_field(dialog):
    assert save(dialog) is None
    assert "name" in dialog.error_text("name")
    assert "subscription name" in dialog.error_text("target")
    assert "access key is required" in dialog.error_text("access_key")
    assert "secret key is required" in dialog.error_text("secret_key")
    assert Settings.load().profiles == []  # nothing was saved
    # Typing in a field clears its message.
    dialog.edits["name"].textEdited.emit("A")
    assert dialog.error_text("name") == ""


@pytest.mark.parametrize(
    "target, message",
    [
        ("Acme Corp", "lowercase letters, digits and dashes"),
        ("http://acme.example.com", "Use https://"),
        ("https://ak:sk@acme.example.com", "Do not put keys in the address"),
        ("ftp://acme.example.com", "Enter a web address"),
        ("https://acme.example.com:99999", "port"),
    ],
)
def test_bad_subscription_or_url_is_refused_beside_the_field(dialog, target, message):
    fill(dialog, target=target)
    assert save(dialog) is None
    assert message in dialog.error_text("target")
    assert dialog.error_text("name") == ""


@pytest.mark.parametrize(
    "target", ["acme", "acme-eu-2", "https://acme.api.retailnext.net/", "http://127.0.0.1:8080", "http://localhost:9"]
)
def test_good_targets_are_accepted(dialog, target, memory_keyring):
    fill(dialog, target=target)
    profile = save(dialog)
    assert profile is not None
    assert dialog.error_text("target") == ""
    assert profile.url.startswith(("https://", "http://127.0.0.1", "http://localhost"))


def test_saved_profile_keeps_the_secret_in_the_keyring_only(dialog, memory_keyring):
    fill(dialog, secret="only-in-the-keyring-99")
    profile = save(dialog)
    assert memory_keyring.values[("StoreOps", profile.id)] == "only-in-the-keyring-99"
    text = app_dirs().settings_file.read_text()
    assert "only-in-the-keyring-99" not in text
    assert json.loads(text)["profiles"][0]["subscription"] == "acme"
    # Editing: an empty secret keeps the stored one.
    dialog.edits["name"].setText("Acme North")
    dialog.edits["secret_key"].clear()
    assert save(dialog) is not None
    assert memory_keyring.values[("StoreOps", profile.id)] == "only-in-the-keyring-99"
    assert Settings.load().profiles[0].name == "Acme North"
    # The keyring can block (a locked keychain): the dialog never calls it on the GUI thread.
    assert memory_keyring.threads and "MainThread" not in memory_keyring.threads


def test_use_and_remove_profile(dialog, qloop, memory_keyring):
    fill(dialog)
    emitted: list[str | None] = []
    dialog.active_changed.connect(emitted.append)
    dialog.use_button.click()
    qloop.run_until_complete(wait_until(lambda: emitted, timeout=5))
    profile_id = emitted[0]
    assert profile_id is not None
    assert Settings.load().active_profile_id == profile_id
    assert "(in use)" in dialog.list.item(0).text()
    qloop.run_until_complete(dialog.remove())
    assert emitted[1:] == [None]  # the active account went away: back to demo data
    assert Settings.load().profiles == []
    assert ("StoreOps", profile_id) not in memory_keyring.values


def test_connection_success_counts_stores(dialog, qloop, sim):
    fill(dialog, target=sim.url)
    text = run_test(qloop, dialog)
    stores = [n for n in sim.world.stores() if n.archive_date is None]
    assert text == f"✔ Connected: {len(stores)} stores found."
    assert dialog.test_result.property("state") == "ok"


def test_connection_wrong_secret_says_401(dialog, qloop, sim):
    fill(dialog, target=sim.url, secret="wrong-secret")
    text = run_test(qloop, dialog)
    assert "Wrong access key or secret key" in text and "(401)" in text
    assert dialog.test_result.property("state") == "fail"


def test_connection_missing_permission_says_403(dialog, qloop, sim):
    sim.faults.add("/v2/location", "status", count=1, status=403)
    try:
        fill(dialog, target=sim.url)
        text = run_test(qloop, dialog)
    finally:
        sim.faults.clear()
    assert "not allowed to read locations (403)" in text


def test_connection_unreachable_host(dialog, qloop):
    fill(dialog, target=closed_port_url())
    text = run_test(qloop, dialog)
    assert "Cannot reach 127.0.0.1 (unreachable host)" in text


def test_connection_timeout(dialog, qloop, sim):
    sim.faults.add("/v2/location", "delay", count=1, seconds=2.0)
    dialog.test_timeout = 0.4
    try:
        fill(dialog, target=sim.url)
        text = run_test(qloop, dialog)
    finally:
        sim.faults.clear()
    assert "did not answer within 0.4 s (timeout)" in text


def test_connection_test_validates_first(dialog, qloop):
    fill(dialog, access="")
    dialog.test_connection()
    qloop.run_until_complete(asyncio.sleep(0.05))
    assert "access key is required" in dialog.error_text("access_key")
    assert dialog.test_result.text() == ""


def test_connection_untrusted_certificate_says_tls(dialog, qloop, tmp_path):
    import ssl

    cert, key = self_signed_cert(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def handle(reader, writer):
        writer.close()

    async def scenario():
        server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
        port = server.sockets[0].getsockname()[1]
        try:
            fill(dialog, target=f"https://127.0.0.1:{port}")
            dialog.test_connection()
            await wait_until(
                lambda: (
                    dialog.test_button.isEnabled()
                    and "Testing" not in dialog.test_result.text()
                    and dialog.test_result.text()
                ),
                timeout=15,
            )
        finally:
            server.close()
            await server.wait_closed()

    qloop.run_until_complete(scenario())
    assert "Secure connection to 127.0.0.1 failed" in dialog.test_result.text()
    assert "(TLS)" in dialog.test_result.text()


class ThreadNotingStore(SecretStore):
    """A SecretStore that notes which threads asked the keyring (the GUI must not)."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: set[str] = set()

    def has_keyring(self) -> bool:
        import threading

        self.threads.add(threading.current_thread().name)
        return super().has_keyring()


def checked(qloop, d: AccountsDialog):
    """The dialog's answer to "where is the secret kept?", once the worker thread gave it."""
    return qloop.run_until_complete(wait_until(lambda: d.secret_place, timeout=5))


@pytest.fixture
def no_keyring(request):
    """The suite's null keyring, or keyring's fail backend (what keyring picks when it finds none)."""
    import keyring
    from keyring.backends import fail, null

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring() if request.param == "fail" else null.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.mark.parametrize("no_keyring", ["null", "fail"], indirect=True)
def test_without_a_keyring_the_dialog_says_the_secret_is_kept_for_this_session_only(qtbot, qloop, no_keyring):
    secrets = ThreadNotingStore()
    d = AccountsDialog(Settings.load(), secrets)
    qtbot.addWidget(d)
    d.show()
    # Before saving: under the secret key field.
    place = checked(qloop, d)
    assert not place.persistent
    hint = d.secret_hint.text()
    assert "Stored in your system's keyring" not in hint
    assert "No system keyring found: the secret key is kept only until StoreOps closes" in hint
    assert "asked for it again next time" in hint
    # After saving: the result line says it too, and the hint still does.
    fill(d)
    profile = save(d)
    assert profile is not None
    result = d.test_result.text()
    assert result.startswith("⚠ Saved. No system keyring found") and "until StoreOps closes" in result
    assert d.test_result.property("state") == "fail"
    checked(qloop, d)
    assert "No system keyring found" in d.secret_hint.text()
    assert "until StoreOps closes" in d.edits["secret_key"].placeholderText()
    # This session still has the secret: "Test connection" with an empty field can use it.
    assert secrets.get(profile.id) == SECRET_KEY
    assert secrets.threads and "MainThread" not in secrets.threads
    d.close()

    # After a restart: no secret, and the dialog says so instead of offering to keep it.
    again = AccountsDialog(Settings.load(), ThreadNotingStore())
    qtbot.addWidget(again)
    again.show()
    place = checked(qloop, again)
    assert again.editing is not None and again.editing.id == profile.id
    assert place.stored is False and "No system keyring found" in again.secret_hint.text()
    assert again.edits["secret_key"].placeholderText().startswith("No secret key stored")
    assert save(again) is None
    assert "secret key is required" in again.error_text("secret_key")


def test_with_a_keyring_the_dialog_says_the_secret_is_stored_there(qtbot, qloop, memory_keyring):
    d = AccountsDialog(Settings.load(), SecretStore())
    qtbot.addWidget(d)
    d.show()
    assert checked(qloop, d).persistent
    assert d.secret_hint.text() == "Stored in your system's keyring, never in a file."
    fill(d)
    profile = save(d)
    assert profile is not None and d.test_result.text() == ""  # nothing to warn about
    place = checked(qloop, d)
    assert place.persistent and place.stored
    assert d.edits["secret_key"].placeholderText() == "Leave empty to keep the stored secret"
    assert memory_keyring.threads and "MainThread" not in memory_keyring.threads
