"""What a session looks at: the one shape of every view choice (no Streamlit, no Plotly).

A view choice changes no run: which two inputs the decision surface shows, the speed, the look
back, the step view's row. Each is a field of :class:`ViewChoices`, and its metadata says the
rest, so nothing lists the choices twice:

- ``link``: a share link carries it, under the field's name, checked against ``choices`` or
  ``range`` (:data:`ui.session.link_codec.UI_PARAMS` is read from here, as its setting
  parameters are read from :class:`nn_core.settings.RunSettings`);
- ``widget``: the key of the widget that shows it (:func:`ui.session.widgets.view_widget`).

The live charts are built for a frozen :class:`ui.live.view.ViewOptions`, which the Train page
makes from these choices plus what the data decides (held inputs, rings on wrong rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from nn_core.limits import MAX_FEATURES

# The Train page's speed: epochs per frame ("max": as many as a frame's time budget allows).
SPEEDS: tuple[int | str, ...] = (1, 2, 5, 10, 20, 50, 100, 200, "max")
DEFAULT_SPEED = 1  # with ui.live.panel.FRAME_RATE: the default run forms its surface over ~10 s
_FEATURE = (0, MAX_FEATURES - 1)  # the range of a feature index


def _choice(default: Any, widget: str, **link: Any) -> Any:
    """A view choice shown by widget ``widget``; ``link=True`` (with ``choices`` or ``range``
    where the type alone does not bound it): a link carries it."""
    return field(default=default, metadata={"widget": widget, **link})


@dataclass
class ViewChoices:
    """One session's view choices (see the module's docstring for the metadata)."""

    speed: int | str = _choice(DEFAULT_SPEED, "w_train_speed", link=True, choices=SPEEDS)
    surface_x: int = _choice(0, "w_view_x", link=True, range=_FEATURE)  # horizontal input
    surface_y: int = _choice(1, "w_view_y", link=True, range=_FEATURE)  # vertical input
    discretise: bool = _choice(False, "w_view_discrete", link=True)  # two flat colours
    log_loss: bool = _choice(False, "w_view_log", link=True)  # the loss charts on a log scale
    scrub_epoch: int = _choice(0, "w_scrub_epoch")  # the epoch the charts look back to
    scrub_at: tuple[int, int] | None = None  # (generation, epoch) the look-back was chosen on
    scrub_bound: int = -1  # the scrubber's last upper end: a new one is a new slider
    step_row: int = _choice(0, "w_step_row")  # the training row of How it works' step view
    mark_wrong: bool = _choice(False, "w_quality_mark")  # ring the wrong rows (paused)

    def fit(self, n_features: int) -> ViewChoices:
        """Each surface input within the data's ``n_features`` (else its default) and the speed
        one of :data:`SPEEDS`; returns self."""
        if self.speed not in SPEEDS:
            self.speed = DEFAULT_SPEED
        if not 0 <= self.surface_x < n_features:
            self.surface_x = 0
        if not 0 <= self.surface_y < n_features:
            self.surface_y = min(1, n_features - 1)
        return self

    def follow(self, now: tuple[int, int] | None) -> None:
        """Keep the look-back in step with the run: ``now`` is (generation, epoch), or None when
        there is nothing to look back on (playing, untrained). A new run or epoch since the
        choice was made (Play, Step, Reset, Continue) brings it back to now."""
        if now is None:
            self.scrub_at = None
        elif self.scrub_at != now or not 0 <= self.scrub_epoch <= now[1]:
            self.scrub_at, self.scrub_epoch = now, now[1]

    def bound_to(self, now: int) -> bool:
        """The look-back slider ends at epoch ``now``; True when that end is new (a new
        slider for Streamlit, whose value is written again)."""
        renew, self.scrub_bound = self.scrub_bound != now, now
        return renew

    def linked_values(self) -> dict[str, Any]:
        """The choices a link carries, as this session has them."""
        return {name: getattr(self, name) for name in linked()}

    def set_linked(self, values: dict[str, Any]) -> None:
        """Take the choices a link carried (other names are ignored)."""
        for name, value in values.items():
            if name in linked():
                setattr(self, name, value)


def linked() -> dict[str, tuple[Any, dict[str, Any]]]:
    """``{name: (default, metadata)}`` of the choices a link carries, in field order."""
    return {f.name: (f.default, dict(f.metadata)) for f in fields(ViewChoices)
            if f.metadata.get("link")}


def widget_keys() -> dict[str, str]:
    """``{choice: widget key}`` of every choice a widget shows."""
    return {f.name: f.metadata["widget"] for f in fields(ViewChoices) if "widget" in f.metadata}


def widget_of(name: str) -> str:
    """The key of the widget that shows choice ``name``."""
    return next(f.metadata["widget"] for f in fields(ViewChoices) if f.name == name)
