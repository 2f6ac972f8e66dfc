"""The one file that reads Streamlit's internals, each behind a fallback that is tested.

- :func:`session_id` and :func:`interrupted` read the running script's context: its session's
  id, and whether a request is pending that should stop a tick's training (a click, a page, a
  closed tab; not the tick's own timer). Outside a script run: "local" and False.
- :func:`wake` asks Streamlit's runtime for one run of a queued session's Train page, through
  its session manager's private objects (the session's last client state and event loop), as
  Streamlit's own rerun-on-save does; where they are missing it says False and queued pages
  look at the queue every few seconds instead.
- :func:`shared` is the process-wide scheduler (``ui/server/scheduler.py``) with these two as its
  ``alive`` and ``wake``.
"""

from __future__ import annotations

from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui.server import scheduler
from ui.session.link_codec import PAGE_SLUGS

TRAIN_PAGE = PAGE_SLUGS["Train"]  # the Train page's address, where a woken session runs


def session_id() -> str:
    """This browser session's id (the scheduler's key for it)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "local"


def _alive(sid: str) -> bool:
    """False once the session's browser is gone (its tab closed)."""
    return not Runtime.exists() or Runtime.instance().is_active_session(sid)


def _app_session(sid: str):
    """Streamlit's own object for session ``sid`` when the runtime offers what :func:`wake`
    needs (its last client state and its event loop: internals, not public API), else None."""
    try:
        session = Runtime.instance()._session_mgr.get_active_session_info(sid).session
        if isinstance(session._client_state, ClientState) and session._event_loop is not None:
            return session
    except (AttributeError, RuntimeError):
        pass
    return None


def can_wake(sid: str) -> bool:
    """Whether :func:`wake` can reach session ``sid``."""
    return _app_session(sid) is not None


def wake(sid: str) -> bool:
    """Ask for one run of session ``sid``'s Train page with its last widget values (the whole
    page, not a fragment), the way Streamlit reruns a page whose source changed: the scheduler
    calls this for a session it let in from the queue, which then starts playing at once (a
    session leaves the queue when its visitor leaves the page: :func:`leave_training`).
    False when the runtime does not offer it; the queued page then looks at the queue every
    few seconds (:func:`queue_poll`) and finds its slot itself."""
    session = _app_session(sid)
    if session is None:
        return False
    state_now = ClientState()
    state_now.CopyFrom(session._client_state)
    state_now.fragment_id = ""  # the whole page,
    state_now.is_auto_rerun = False
    state_now.page_script_hash = ""  # the Train page by its address (the last run's page
    state_now.page_name = TRAIN_PAGE  # hash may be the entry script's: the first page)
    try:
        session._event_loop.call_soon_threadsafe(session.request_rerun, state_now)
    except RuntimeError:  # the loop is closed: the server is stopping
        return False
    return True


def shared_scheduler() -> scheduler.Scheduler:
    """The process-wide scheduler."""
    return shared()[1]


def interrupted() -> bool:
    """True when a click, a page change or a closed tab asks this script run to stop (it
    stops at its next ``st.*`` call; the training loop looks here between slices). The
    tick's own timer asking for the next tick does not count."""
    requests = getattr(get_script_run_ctx(), "script_requests", None)
    kind = getattr(getattr(requests, "_state", None), "name", "CONTINUE")
    if kind == "RERUN":
        return is_user_rerun(getattr(requests, "_rerun_data", None))
    return kind != "CONTINUE"


def is_user_rerun(rerun) -> bool:
    """Whether a pending rerun request is a visitor's (a click, a page, a wake), not only the
    tick's own timer. Streamlit folds requests into one, and the newest sets its
    ``is_auto_rerun``: a timer request landing after a Pause leaves it True, so a request for
    the whole page (no fragment named) counts as the visitor's whatever that flag says."""
    if rerun is None:
        return False
    whole_page = not (getattr(rerun, "fragment_id", None)
                      or getattr(rerun, "fragment_id_queue", None)
                      or getattr(rerun, "is_fragment_scoped_rerun", False))
    return whole_page or not getattr(rerun, "is_auto_rerun", False)


def shared() -> tuple[scheduler.Config, scheduler.Scheduler]:
    """The operator's settings and the process-wide scheduler, wired to this runtime."""
    return scheduler.shared(_alive, wake)
