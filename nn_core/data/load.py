"""The dataset a run asks for: a built-in set by name or an uploaded CSV table.

It sits above both sources (:mod:`nn_core.data.builtin` and :mod:`nn_core.data.tabular`), which
only know :class:`~nn_core.data.dataset.Dataset`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nn_core.data.builtin import BUILTIN, make_dataset
from nn_core.data.dataset import Dataset
from nn_core.errors import PlaygroundError

if TYPE_CHECKING:
    from nn_core.settings import RunSettings


def load_data(settings: RunSettings, csv_bytes: bytes | None = None) -> Dataset:
    """The dataset ``settings`` asks for: a built-in by name, else the CSV in ``csv_bytes``."""
    if settings.dataset in BUILTIN:
        s = settings
        return make_dataset(s.dataset, s.n_samples, s.noise, s.data_seed)
    if csv_bytes is None:
        if settings.dataset in ("", "csv", "custom"):
            raise PlaygroundError("no CSV file given: upload one or choose a built-in dataset")
        raise PlaygroundError(
            f"unknown dataset {settings.dataset[:40]!r}: choose one of {', '.join(BUILTIN)} "
            "or upload a CSV file"
        )
    from nn_core.data.tabular import load_csv  # pandas loads only for a table (~0.25 s)

    return load_csv(csv_bytes, settings.target, settings.features, settings.task)
