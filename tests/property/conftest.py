"""Hypothesis profiles for the property tests, and the answer server they share.

"ci" (the default) keeps the whole directory to well under a minute on a loaded
2-core machine; HYPOTHESIS_PROFILE=thorough runs many more examples when hunting.
No deadline: a loaded machine makes single examples slow without anything being
wrong, and the client's own deadlines bound every call.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.property.answer_server import AnswerServer

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=False,
    print_blob=True,
)
settings.register_profile("thorough", parent=settings.get_profile("ci"), max_examples=1000)
settings.register_profile("hunt", parent=settings.get_profile("ci"), max_examples=250)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="module")
def answer_server() -> Iterator[AnswerServer]:
    server = AnswerServer().start()
    try:
        yield server
    finally:
        server.stop()
