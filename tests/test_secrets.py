"""SecretStore says where a secret is kept: in the system keyring, or (no keyring,
or one that refuses) only until StoreOps closes. Real keyring backends: keyring's
null and fail backends stand for "no keyring", an in-memory one for a working one."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail, null
from keyring.errors import PasswordSetError

from storeops.secrets import KEPT_IN_KEYRING, NO_KEYRING, SecretStore
from storeops.services.connection import ConnectError, ConnectionManager
from storeops.services.jobs import JobService
from storeops.settings import Profile, Settings
from tests.conftest import ACCESS_KEY
from tests.ui.shell_env import MemoryKeyring


class LockedKeyring(MemoryKeyring):
    """A keyring that exists but refuses to store (a locked keychain)."""

    def set_password(self, service, username, password):
        raise PasswordSetError("locked")


@pytest.fixture
def use_backend():
    previous = keyring.get_keyring()

    def use(backend):
        keyring.set_keyring(backend)
        return backend

    try:
        yield use
    finally:
        keyring.set_keyring(previous)


@pytest.mark.parametrize("backend", [null.Keyring, fail.Keyring], ids=["null", "fail"])
def test_no_keyring_keeps_the_secret_for_this_session_and_says_so(use_backend, backend):
    use_backend(backend())
    store = SecretStore()
    assert store.persistent is None  # nothing asked yet, and reading it asks nothing
    place = store.where()
    assert not place.persistent and place.stored is None
    assert place.text == NO_KEYRING
    assert place.text.startswith(
        "No system keyring found: the secret key is kept only until StoreOps closes; "
        "you will be asked for it again next time."
    )
    assert store.persistent is False
    assert store.set("p1", "s3cret") is False
    assert store.get("p1") == "s3cret"  # this session still connects
    after = store.where("p1")
    assert (after.persistent, after.stored, after.text) == (False, True, NO_KEYRING)
    # After a restart: nothing kept.
    restarted = SecretStore()
    assert restarted.get("p1") is None
    assert restarted.where("p1").stored is False


def test_no_keyring_advice_names_the_linux_keyrings(monkeypatch):
    import storeops.secrets as secrets

    monkeypatch.setattr(secrets.sys, "platform", "linux")
    advice = secrets.keyring_advice()
    assert "Secret Service" in advice and "GNOME Keyring" in advice and "KWallet" in advice


def test_a_working_keyring_keeps_the_secret(use_backend):
    memory = use_backend(MemoryKeyring())
    store = SecretStore()
    assert store.where() == store.where(None)
    assert store.where().persistent and store.where().text == KEPT_IN_KEYRING
    assert store.set("p1", "s3cret") is True
    assert memory.values[("StoreOps", "p1")] == "s3cret"
    assert store.persistent is True
    place = store.where("p1")
    assert (place.persistent, place.stored) == (True, True)
    assert SecretStore().get("p1") == "s3cret"  # a restart finds it


def test_a_keyring_that_refuses_says_so(use_backend):
    use_backend(LockedKeyring())
    store = SecretStore()
    assert store.where().persistent  # a keyring is there...
    assert store.set("p1", "s3cret") is False  # ...but it did not keep the secret
    place = store.where("p1")
    assert not place.persistent and place.stored
    assert "did not keep the secret key" in place.text and "until StoreOps closes" in place.text
    assert store.persistent is False


@pytest.mark.parametrize("backend", [null.Keyring, MemoryKeyring], ids=["no keyring", "keyring"])
async def test_missing_secret_says_why_when_there_is_no_keyring(use_backend, backend):
    use_backend(backend())
    settings = Settings()
    profile = Profile(name="Test chain", base_url="http://127.0.0.1:9", access_key=ACCESS_KEY)
    settings.upsert_profile(profile)
    settings.active_profile_id = profile.id
    manager = ConnectionManager(settings, SecretStore(), JobService())
    try:
        with pytest.raises(ConnectError) as failure:
            await manager.open()
    finally:
        await manager.close(final=True)
    error = failure.value
    assert error.short == "No secret key stored for this account"
    assert "Enter it again under Accounts" in error.text
    if backend is null.Keyring:
        assert "no usable system keyring" in error.text and "only until it closes" in error.text
    else:
        assert "is not in this computer's keyring" in error.text
