"""A page that outlived its server session is told so (ui/session/reconnect.py); the live case, a
replica killed behind HAProxy, is in tests/deploy."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui.session.reconnect import lost_session


def test_a_first_visit_names_no_old_session() -> None:
    assert lost_session("streamlit, 2|e79c083d|3d7e30a7|1795855502", "new-id") is False
    assert lost_session("streamlit", "new-id") is False
    assert lost_session(None, "new-id") is False
    assert lost_session("streamlit, , ", "new-id") is False


def test_a_resumed_session_is_not_lost_and_a_replaced_one_is() -> None:
    header = "streamlit, 2|e79c083d|3d7e30a7|1795855502, 669e48dd-7cb0-4f23"
    assert lost_session(header, "669e48dd-7cb0-4f23") is False
    assert lost_session(header, "0b5d1a2c-another") is True


def test_a_fresh_session_shows_no_notice() -> None:
    at = AppTest.from_file("../../app.py", default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == []
