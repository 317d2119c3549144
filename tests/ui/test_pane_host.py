"""The pane host drives each pane's life cycle and refuses broken panes loudly."""

from __future__ import annotations

import pytest

from storeops.api.client import RetailNextClient
from storeops.settings import Settings
from storeops.ui.context import PaneContext, StatusReporter, StoreSelection
from storeops.ui.pane_host import PaneHost
from storeops.ui.placeholder import Placeholder
from storeops.ui.sidebar import PaneSpec
from tests.helpers import not_none
from tests.ui import lifecycle_panes

pytestmark = pytest.mark.gui

RECORDED = "tests.ui.lifecycle_panes"


def ctx() -> PaneContext:
    # A client that is never used: these panes make no request.
    client = RetailNextClient("http://127.0.0.1:1", "key", "secret")
    return PaneContext(client=client, stores=StoreSelection(), status=StatusReporter(), settings=Settings())


@pytest.fixture
def events(monkeypatch):
    lifecycle_panes.EVENTS.clear()
    names = iter(["first", "second", "third", "fourth"])
    monkeypatch.setattr(lifecycle_panes, "create_pane", lambda c: lifecycle_panes.RecordingPane(next(names)))
    return lifecycle_panes.EVENTS


def test_panes_are_activated_deactivated_and_shut_down(qtbot, events):
    host = PaneHost(panes=(PaneSpec("a", "A", "store", RECORDED), PaneSpec("b", "B", "store", RECORDED)))
    qtbot.addWidget(host)
    host.set_context(ctx())  # shows the current pane: "a"
    assert events == [("first", "activate")]
    host.show_pane("b")
    host.show_pane("b")  # already in view: nothing to start again
    host.show_pane("a")
    assert events == [
        ("first", "activate"),
        ("first", "deactivate"),
        ("second", "activate"),
        ("second", "deactivate"),
        ("first", "activate"),
    ]
    events.clear()
    dropped = host.set_context(ctx())  # a new connection: both dropped, a new "a" made
    assert {w.name for w in dropped if isinstance(w, lifecycle_panes.RecordingPane)} == {"first", "second"}
    assert sorted(events[:2]) == [("first", "shutdown"), ("second", "shutdown")]
    assert events[2:] == [("third", "activate")]


def test_a_typo_in_a_module_path_is_an_error_not_a_coming_soon_page(qtbot):
    context = ctx()
    host = PaneHost(panes=(PaneSpec("a", "Alpha", "store", "tests.ui.no_such_pane_module"),))
    qtbot.addWidget(host)
    host.set_context(context)
    page = host.pane("a")
    assert isinstance(page, Placeholder) and page.title.text() == "Alpha"
    assert page.text.text() == "This pane failed to start."
    assert "ModuleNotFoundError" in page.note.text()
    assert "The Alpha pane failed to start" in not_none(context.status.last_error)


def test_a_pane_without_the_life_cycle_is_refused(qtbot, monkeypatch):
    monkeypatch.setattr(lifecycle_panes, "create_pane", lifecycle_panes.create_plain_label)
    context = ctx()
    host = PaneHost(panes=(PaneSpec("a", "Alpha", "store", RECORDED),))
    qtbot.addWidget(host)
    host.set_context(context)
    page = host.pane("a")
    assert isinstance(page, Placeholder) and "PaneContractError" in page.note.text()
    assert "activate(), deactivate() and shutdown()" in not_none(context.status.last_error)


def test_a_pane_not_built_yet_says_it_is_coming(qtbot):
    host = PaneHost(panes=(PaneSpec("traffic", "Traffic", "traffic", None),))
    qtbot.addWidget(host)
    host.set_context(ctx())
    page = host.pane("traffic")
    assert isinstance(page, Placeholder) and "later release" in page.text.text()
