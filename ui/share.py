"""Settings <-> URL query parameters: share links and classroom links.

A link carries settings only, never data: ``?dataset=xor&hidden=4,2&lr=0.1``. Parameter names
are the :class:`RunSettings` field names plus the view choices in :data:`UI_PARAMS`; only values
that differ from the defaults are written, so links stay short. Numbers are written with
``repr``, so a link reproduces exact values. An uploaded or edited table is written as
``dataset=csv`` and its column names (``target``, ``features``, ``task``) are left out.

Reading is lenient: a bad value falls back to the default for that one parameter with a
one-line notice, and nothing a URL holds makes :func:`from_query` raise or work long.

``hide`` (classroom mode) lists controls the pages do not show: settings names, view names and
the sections in :data:`SECTIONS`.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from nn_core.data.builtin import BUILTIN
from nn_core.data.tabular import show, show_list
from nn_core.errors import PlaygroundError
from nn_core.limits import MAX_FEATURES
from nn_core.settings import ACTIVATIONS, MAX_HIDDEN_LAYERS, TRANSFORMS, RunSettings

MAX_PARAMS = 64  # parameters looked at when listing unknown names
MAX_VALUE_CHARS = 1000  # longer values are refused before parsing
HIDE = "hide"
UPLOADED = "csv"  # ``dataset`` of a link made on an uploaded or edited table (see ui/state.py)

Scalar = str | int | float | bool


@dataclass(frozen=True)
class Param:
    """One URL parameter: its default, and the choices or range its value must meet.

    ``max_items > 0`` makes it a comma list of at most that many items (``none`` = empty).
    """

    name: str
    default: Any
    choices: tuple[Any, ...] | None = None
    range: tuple[float, float] | None = None
    max_items: int = 0
    empty_text: str = "none"  # how the notices name an empty default


# View choices that are not settings (the Train page's widgets; see ui/state.py and ui/live.py).
SPEEDS: tuple[int | str, ...] = (1, 2, 5, 10, 20, 50, 100, 200, "max")  # epochs per frame
DEFAULT_SPEED = 1  # with ui.live.FRAME_RATE: the default run forms its surface over ~10 s
UI_PARAMS: dict[str, Param] = {
    p.name: p
    for p in (
        Param("speed", DEFAULT_SPEED, choices=SPEEDS),
        Param("surface_x", 0, range=(0, MAX_FEATURES - 1)),  # feature index, horizontal axis
        Param("surface_y", 1, range=(0, MAX_FEATURES - 1)),  # ... and vertical axis
        Param("discretise", False),
        Param("log_loss", False),
    )
}

# Parts of pages a classroom link can hide, besides single settings and view choices.
SECTIONS = {
    "data": "the Data page's dataset choice (built-in list, samples, noise, seed)",
    "upload": "the CSV upload",
    "editor": "the row editor",
    "network": "the Train page's Network settings",
    "training": "the Train page's Training settings",
    "stop": "the Train page's Stop settings",
}


def _setting_params() -> dict[str, Param]:
    """One Param per RunSettings field, from the field's default and metadata."""
    params = {}
    for f in dataclasses.fields(RunSettings):
        p = Param(f.name, f.default, f.metadata.get("choices"), f.metadata.get("range"))
        if isinstance(f.default, tuple):
            p = dataclasses.replace(p, max_items=MAX_HIDDEN_LAYERS if f.name == "hidden"
                                    else len(TRANSFORMS))
        params[f.name] = p
    params["dataset"] = dataclasses.replace(params["dataset"], choices=tuple(BUILTIN))
    params["target"] = dataclasses.replace(params["target"], empty_text="the dataset's own")
    params["features"] = dataclasses.replace(params["features"], empty_text="all")
    return params


SETTING_PARAMS = _setting_params()
HIDEABLE = frozenset(SETTING_PARAMS) | frozenset(UI_PARAMS) | frozenset(SECTIONS)
_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


# --- writing ----------------------------------------------------------------------------------
def encode(value: Any) -> str:
    """A value as URL text: true/false, repr of a float, comma list (``none`` when empty)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple):
        return ",".join(encode(v) for v in value) if value else "none"
    return str(value)


def to_query(settings: RunSettings, ui: Mapping[str, Scalar] | None = None) -> dict[str, str]:
    """The parameters that differ from the defaults, in settings order, then view choices.

    A dataset that is not built-in is written as ``dataset=csv``, without its column names;
    ``target``/``features`` are written only when they name columns of the built-in dataset.
    Unknown or invalid ``ui`` entries raise ValueError (a programming error, not a user's).
    """
    out: dict[str, str] = {}
    spec = BUILTIN.get(settings.dataset)
    for name, p in SETTING_PARAMS.items():
        value = getattr(settings, name)
        if spec is None:
            if name == "dataset":
                value = UPLOADED
            elif name in ("target", "features", "task"):
                continue  # they describe the uploaded table
        elif name == "target" and value != spec.target:
            continue  # left over from a table; a built-in dataset ignores it
        elif name == "features" and not set(value) <= set(spec.features):
            continue
        if value != p.default:
            out[name] = encode(value)
    for name, value in (ui or {}).items():
        p = UI_PARAMS.get(name)
        if p is None:
            raise ValueError(f"unknown view choice {name!r}")
        text = encode(value)
        try:
            parsed = _parse(p, text)
        except _Bad:
            parsed = None
        if parsed != value or type(parsed) is not type(value):
            raise ValueError(f"{name}: {value!r} is not a valid value")
        if value != p.default:
            out[name] = text
    return out


def classroom_link(base_url: str, settings: RunSettings, ui: Mapping[str, Scalar] | None = None,
                   hidden: Iterable[str] = ()) -> str:
    """``base_url`` with the settings, view choices and hidden controls as its query.

    With nothing hidden this is the plain share link. An unknown hidden name raises ValueError.
    """
    params = to_query(settings, ui)
    names = sorted(set(hidden))
    unknown = [n for n in names if n not in HIDEABLE]
    if unknown:
        raise ValueError(f"cannot hide unknown control {unknown[0]!r}")
    if names:
        params[HIDE] = ",".join(names)
    parts = urlsplit(base_url)
    return urlunsplit(parts._replace(query=urlencode(params, safe=","), fragment=""))


# Pages a link can open (title -> URL path; the default page sits at the app's root).
PAGE_SLUGS = {"Data": "", "Train": "train", "Predict": "predict"}
_PAGE_PATHS = {"data", "train", "predict", "share", "how_it_works"}


def page_url(current_url: str, slug: str) -> str:
    """The address of page ``slug`` of the app that ``current_url`` (any of its pages) is in."""
    parts = urlsplit(current_url)
    segments = [seg for seg in parts.path.split("/") if seg]
    if segments and segments[-1] in _PAGE_PATHS:
        segments.pop()
    path = "/" + "/".join([*segments, slug] if slug else segments)
    return urlunsplit(parts._replace(path=path, query="", fragment=""))


def describe_hideable(name: str) -> str:
    """A label for a name of :data:`HIDEABLE`, for the classroom link form."""
    if name in SECTIONS:
        return f"{name} — {SECTIONS[name]}"
    if name in UI_PARAMS:
        return f"{name} (chart view)"
    return f"{name} (setting)"


# --- reading ----------------------------------------------------------------------------------
class _Bad(Exception):
    """A value that does not fit; the message says why (after ``name: ``)."""


def _default_text(p: Param) -> str:
    return encode(p.default) if p.default not in ("", ()) else p.empty_text


def _one_value(params: Mapping[str, Any], name: str) -> str:
    """The single text value of ``name`` (raises _Bad for lists, long or non-text values)."""
    raw = params[name]
    if isinstance(raw, (list, tuple)):
        if len(raw) != 1:
            raise _Bad(f"given {len(raw):,} times")
        raw = raw[0]
    if not isinstance(raw, str):
        raise _Bad("not text")
    if len(raw) > MAX_VALUE_CHARS:
        raise _Bad(f"value of {len(raw):,} characters")
    if not raw.strip():
        raise _Bad("empty value")
    return raw.strip()


def _parse(p: Param, text: str) -> Any:
    """``text`` as a value of ``p`` (raises _Bad saying what is wrong)."""
    if p.max_items:
        if text.lower() == "none":
            return ()
        items = text.split(",")
        if len(items) > p.max_items:
            raise _Bad(f"{show(text)} has more than {p.max_items} items")
        item = Param(p.name, 0 if p.name == "hidden" else "", p.choices, p.range)
        return tuple(_parse(item, t.strip()) for t in items)
    if p.choices is not None:
        by_text = {encode(c): c for c in p.choices}
        if text not in by_text:
            raise _Bad(f"{show(text)} is not one of {', '.join(by_text)}")
        return by_text[text]
    if isinstance(p.default, bool):
        if text.lower() not in ("true", "false", "1", "0"):
            raise _Bad(f"{show(text)} is not true or false")
        value: Any = text.lower() in ("true", "1")
    elif isinstance(p.default, int):
        if not _INT.fullmatch(text):
            raise _Bad(f"{show(text)} is not a whole number")
        value = int(text)
    elif isinstance(p.default, float):
        value = float(text) if _FLOAT.fullmatch(text) else None
        if value is None or not math.isfinite(value):
            finite = value is not None or text.lower().lstrip("+-") in ("nan", "inf", "infinity")
            raise _Bad(f"{show(text)} is not a {'finite ' if finite else ''}number")
    else:
        value = text
    if p.range is not None and not p.range[0] <= value <= p.range[1]:
        lo, hi = (str(x) if isinstance(x, int) else f"{x:g}" for x in p.range)
        raise _Bad(f"{show(text)} is outside {lo} to {hi}")
    return value


def _check_activation(text: str) -> None:
    """One activation name, or one per hidden layer (their count is RunSettings' rule)."""
    names = [a.strip() for a in text.split(",")]
    if len(names) > MAX_HIDDEN_LAYERS:
        raise _Bad(f"{show(text)} has more than {MAX_HIDDEN_LAYERS} items")
    for a in names:
        if a not in ACTIVATIONS:
            raise _Bad(f"{show(a)} is not one of {', '.join(ACTIVATIONS)}")


def _check_columns(name: str, value: Any, dataset: str) -> None:
    """``target``/``features`` must name columns of the built-in dataset."""
    spec = BUILTIN[dataset]
    columns = (spec.target,) if name == "target" else spec.features
    for item in value if isinstance(value, tuple) else (value,):
        if item not in columns:
            raise _Bad(f"{show(item)} is not a column of the {dataset} data "
                       f"({', '.join(columns)})")


def _refusal(settings: RunSettings) -> str | None:
    """Why a trainer cannot be built from ``settings`` on the data they name (None if it can).

    Builds the dataset and the untrained network, so every rule between fields that the trainer
    enforces (output layer vs target, loss vs output, transforms vs number of inputs, test
    fraction vs rows) is checked the way the Train page would meet it.
    """
    from nn_core.data.load import load_data
    from nn_core.training.trainer import Trainer

    try:
        Trainer(settings, load_data(settings), history_cap=4)
    except PlaygroundError as exc:
        return " ".join(str(exc).split())[:160]
    return None


def _check_together(settings: RunSettings, notices: list[str]) -> RunSettings:
    """``settings`` if a trainer can be built from them; else the defaults with the link's
    values put back one field at a time (in settings order, data first), each kept only if the
    result still works. Every value left out adds a notice saying why."""
    if _refusal(settings) is None:
        return settings
    good = RunSettings()
    for name, p in SETTING_PARAMS.items():
        value = getattr(settings, name)
        if value == getattr(good, name):
            continue
        try:
            trial = good.replace(**{name: value})
            problem = _refusal(trial)
        except PlaygroundError as exc:
            problem = " ".join(str(exc).split())[:160]
        if problem is None:
            good = trial
        else:
            notices.append(f"{name}: {show(encode(value))} does not fit the rest of the link "
                           f"({problem}); using {_default_text(p)}")
    return good


def from_query(params: Mapping[str, str | list[str]]) -> tuple[RunSettings, dict[str, Scalar],
                                                                 list[str]]:
    """``(settings, view choices, notices)`` from a link's query parameters; never raises.

    Each bad value (wrong type, out of range, unknown choice, repeated, empty, too long) and each
    unknown parameter leaves the default in place and adds one notice naming the parameter and
    what was done, e.g. ``lr: 'abc' is not a number; using 0.03``. Problems of the ``hide``
    parameter are among the notices too. Notices quote URL text (cut to 40 characters): pages
    must show them as plain text only (``ui.text.plain``), never as markdown or HTML.
    """
    notices: list[str] = []
    settings = RunSettings()
    for name, p in SETTING_PARAMS.items():
        if name not in params:
            continue
        try:
            text = _one_value(params, name)
            if name == "dataset" and text.lower() in (UPLOADED, "custom"):
                raise _Bad("the link was made on an uploaded or edited table, which links do "
                           "not carry")
            value = _parse(p, text)
            if name == "activation":
                _check_activation(value)
            if name in ("target", "features"):
                _check_columns(name, value, settings.dataset)
            settings = settings.replace(**{name: value})
        except _Bad as exc:
            notices.append(f"{name}: {exc}; using {_default_text(p)}")
        except PlaygroundError as exc:  # a rule between fields, e.g. activation vs hidden
            notices.append(f"{str(exc)[:160]}; using {_default_text(p)}")
    ui: dict[str, Scalar] = {name: p.default for name, p in UI_PARAMS.items()}
    for name, p in UI_PARAMS.items():
        if name in params:
            try:
                ui[name] = _parse(p, _one_value(params, name))
            except _Bad as exc:
                notices.append(f"{name}: {exc}; using {_default_text(p)}")
    parse_hidden(params, notices)
    settings = _check_together(settings, notices)
    known = sum(1 for name in (*SETTING_PARAMS, *UI_PARAMS, HIDE) if name in params)
    unknown_count = len(params) - known
    if unknown_count > 0:
        unknown = [k for k in islice(params, MAX_PARAMS) if k not in SETTING_PARAMS
                   and k not in UI_PARAMS and k != HIDE]
        shown = show_list(unknown[:3])
        more = unknown_count - len(unknown[:3])
        notices.append(f"ignored unknown parameter{'s' * (unknown_count > 1)} {shown}"
                       + (f" and {more:,} more" if more > 0 else ""))
    return settings, ui, notices


def parse_hidden(params: Mapping[str, str | list[str]],
                 notices: list[str] | None = None) -> frozenset[str]:
    """The control names listed in ``hide`` (empty when absent); unknown names are dropped.

    Problems are appended to ``notices`` when given (:func:`from_query` reports them already).
    """
    problems = notices if notices is not None else []
    if HIDE not in params:
        return frozenset()
    try:
        text = _one_value(params, HIDE)
    except _Bad as exc:
        problems.append(f"{HIDE}: {exc}; hiding nothing")
        return frozenset()
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in HIDEABLE]
    if unknown:
        problems.append(f"{HIDE}: ignored unknown control{'s' * (len(unknown) > 1)} "
                        f"{show_list(unknown[:3])}"
                        + (f" and {len(unknown) - 3:,} more" if len(unknown) > 3 else ""))
    return frozenset(n for n in names if n in HIDEABLE)


# --- Streamlit side ---------------------------------------------------------------------------
def current_params() -> dict[str, list[str]]:
    """This page's query parameters for :func:`from_query`: every known name, plus the first
    :data:`MAX_PARAMS` others (so a huge URL costs little)."""
    import streamlit as st

    qp = st.query_params
    names = [n for n in (*SETTING_PARAMS, *UI_PARAMS, HIDE) if n in qp]
    names += [n for n in islice(qp, MAX_PARAMS) if n not in names]
    return {n: qp.get_all(n) for n in names}


# Streamlit ignores a whole query string past these limits (runtime/state/query_params.py in
# 1.67) and says so only in the server log: the page sees no parameters at all.
try:
    from streamlit.runtime.state.query_params import (
        CLIENT_STATE_QUERY_STRING_MAX_FIELDS as STREAMLIT_MAX_FIELDS,
    )
    from streamlit.runtime.state.query_params import (
        CLIENT_STATE_QUERY_STRING_MAX_LENGTH as STREAMLIT_MAX_CHARS,
    )
except ImportError:  # pragma: no cover - another Streamlit version
    STREAMLIT_MAX_FIELDS, STREAMLIT_MAX_CHARS = 1000, 512 * 1024

# Trusted code, no user text: reads the address bar once and reports a query string that
# Streamlit dropped (counted as Streamlit counts it: one more field than "&" signs).
_PROBE_JS = """
export default function ({ data, setTriggerValue }) {
  const query = window.location.search.replace(/^\\?/, "");
  const fields = query ? query.split("&").length : 0;
  if (fields > data.max_fields || query.length > data.max_chars) {
    setTriggerValue("dropped", { fields: fields, chars: query.length });
  }
}
"""
_probe = None


def dropped_link_notice(fields: int, chars: int) -> str | None:
    """What to tell a visitor whose link Streamlit ignored (None if it was within its limits)."""
    if fields > STREAMLIT_MAX_FIELDS:
        what = f"has {fields:,} parameters, more than the {STREAMLIT_MAX_FIELDS:,}"
    elif chars > STREAMLIT_MAX_CHARS:
        what = f"is {chars:,} characters long, more than the {STREAMLIT_MAX_CHARS:,}"
    else:
        return None
    return (f"This link {what} the app can read, so none of its settings were used: "
            "showing the defaults.")


def _on_dropped_link(report: Any) -> None:
    from ui import state

    dropped = getattr(report, "dropped", None) if report is not None else None
    if isinstance(dropped, dict):
        notice = dropped_link_notice(int(dropped.get("fields") or 0),
                                     int(dropped.get("chars") or 0))
        if notice:
            state.push_notice(notice)


def _probe_address_bar() -> None:
    """Mount the probe that tells the page when Streamlit dropped the link's query string."""
    import streamlit as st

    from ui import state

    global _probe
    if _probe is None:
        _probe = st.components.v2.component("nn_link_probe", js=_PROBE_JS)
    with st.sidebar:  # an empty element still takes a gap: not above the page's title
        _probe(key=state.W_LINK_PROBE, data={"max_fields": STREAMLIT_MAX_FIELDS,
                                             "max_chars": STREAMLIT_MAX_CHARS},
               on_dropped_change=state.on_value(state.W_LINK_PROBE, _on_dropped_link),
               height=0)


def open_link() -> None:
    """On a session's first run, take settings, view choices and hidden controls from the URL.

    Each bad parameter becomes a notice (plain text) and falls back to its default. A query
    string Streamlit ignored (too many parameters, too long) reaches the page empty: a probe
    in the browser reports it and the next run says so.
    """
    from ui import state

    if state.link_read():
        return
    params = current_params()
    if not params:
        _probe_address_bar()
        return
    settings, view, notices = from_query(params)
    state.set_hidden(parse_hidden(params))  # its problems are among the notices already
    try:
        state.set_settings(settings)
    except PlaygroundError as exc:  # e.g. data settings that cannot load: keep the defaults
        notices.append(f"The link's settings could not be used ({exc}); using the defaults.")
    state.set_view_choices(view)
    for notice in notices:
        state.push_notice(notice)


def link_params_for(settings: RunSettings, view: Mapping[str, Scalar] | None = None,
                    hidden: Iterable[str] = ()) -> dict[str, str]:
    """The query parameters of a permalink: settings and view choices, then ``hide``."""
    params = to_query(settings, view)
    if hidden:
        params[HIDE] = ",".join(sorted(hidden))
    return params


def link_params() -> dict[str, str]:
    """The query parameters that reproduce this session's set-up (its permalink)."""
    from ui import state

    return link_params_for(state.get_settings(), state.view_choices(), state.hidden())


def sync_url() -> None:
    """Keep the address bar a permalink: write the current set-up into the query parameters."""
    import streamlit as st

    params = link_params()
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
