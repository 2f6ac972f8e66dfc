"""``python -m nn_core train|predict|datasets``: the app's runs, headless.

Flags build the same :class:`RunSettings` the app uses and train with the same :class:`Trainer`,
so the same settings and seed give the same numbers. Progress goes to stderr; ``train`` ends with
one JSON line on stdout. Mistakes print one ``error: ...`` line: exit 2 for the command line,
1 for the data or a file. A run that diverged or died still prints its JSON line (``stop_kind``
"diverged" or "died", the rolled-back network's scores) and saves its files, says what happened
in one ``error: ...`` line and exits 3.

Two defaults differ from the app's, for a command that must end: ``--epochs`` is 1000 unless
given (flag, ``--set`` or ``--settings``), while the app trains until paused. Early stopping is
on (patience 20, validation share 0.1) for a ``--data`` table of 100 rows or more unless
``--patience`` or ``--validation-fraction`` says otherwise, as in the app; ``--patience N``
alone watches a validation share of 0.1.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from nn_core.data.builtin import BUILTIN
from nn_core.data.load import load_data
from nn_core.errors import PlaygroundError
from nn_core.io.export import history_csv
from nn_core.io.serialize import MAX_MODEL_BYTES, model_from_json, model_to_json
from nn_core.limits import MAX_UPLOAD_BYTES
from nn_core.settings import (
    EARLY_STOPPING,
    EARLY_STOPPING_ROWS,
    SECTIONS,
    RunSettings,
    field_names,
    show_bound,
    with_early_stopping,
)
from nn_core.training.trainer import Trainer


class UsageError(Exception):
    """A mistake on the command line (exit status 2)."""


class Parser(argparse.ArgumentParser):
    """argparse with one ``error: ...`` line instead of usage text."""

    def error(self, message: str) -> NoReturn:
        _fail(f"{message} (see --help)", 2)


# History points kept without a --history file: the trainer's least. The loss and metric are
# measured only at the epochs the history records (and the loss and health checks run there;
# the weights' norm is checked every epoch), which were most of what the command line added
# to training: 16 points measure 65 epochs of a 1000-epoch run, 4 measure 21
# (bench/engine_choices.md).
SUMMARY_POINTS = 4


def _fail(message: str, status: int) -> NoReturn:
    sys.stderr.write("error: " + " ".join(str(message).split()) + "\n")
    raise SystemExit(status)


def _note(message: str) -> None:
    sys.stderr.write(message + "\n")


# --- the command line ---------------------------------------------------------------------------

CLI_EPOCHS = 1000  # --epochs when nothing sets it (the app's default is "until paused")
DIVERGED_STATUS = 3  # exit status of a run that diverged or died
# What the command line adds to a setting's own help (its defaults differ from the app's here).
CLI_NOTES = {
    "hidden": '"" or 0: none',
    "epochs": f"default {CLI_EPOCHS}",
    "patience": f"default: {EARLY_STOPPING['patience']} for a --data table of "
                f"{EARLY_STOPPING_ROWS}+ rows, else 0",
    "validation_fraction": f"default {EARLY_STOPPING['validation_fraction']} with --patience",
}


def _option(f: dataclasses.Field) -> str:
    """The option of a setting: ``--batch-size``; ``--no-bias`` for one that is on by default."""
    flag = f.metadata.get("flag", f.name).replace("_", "-")
    return f"--no-{flag}" if isinstance(f.default, bool) else f"--{flag}"


# argparse dest -> RunSettings field, for every setting with an option (all but ``dataset``,
# which --dataset/--data set, and any other whose metadata says ``flag=""``)
SETTING_FLAGS = {_option(f)[2:].replace("-", "_"): f.name for f in dataclasses.fields(RunSettings)
                 if f.metadata.get("flag", f.name)}


def _describe(f: dataclasses.Field) -> str:
    """A setting's help for ``--help``: its sentence, its bounds, and any note of the CLI's."""
    meta = f.metadata
    parts = [meta["help"].rstrip(".")]
    if "range" in meta:
        lo, hi = meta["range"]
        parts.append(f"{show_bound(lo)} to {show_bound(hi)}"
                     + (" each" if isinstance(f.default, tuple) else ""))
    if isinstance(f.default, tuple):
        if "choices" in meta:
            parts.append("from " + ",".join(meta["choices"]))
        parts.append(f"at most {meta['items']}")
    if f.name in CLI_NOTES:
        parts.append(CLI_NOTES[f.name])
    return "; ".join(parts).replace("%", "%%")


def _metavar(f: dataclasses.Field) -> str:
    if isinstance(f.default, tuple):
        return ",".join(map(str, f.default)) if f.default else "NAME,NAME"
    return {int: "N", float: "X"}.get(type(f.default), "NAME")


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    """One option per :data:`SETTING_FLAGS` entry, in groups named after the settings' sections:
    choices, bounds and help all come from the field's metadata."""
    groups = {section: parser.add_argument_group(section) for section in SECTIONS}
    fields = {f.name: f for f in dataclasses.fields(RunSettings)}
    for name in SETTING_FLAGS.values():
        f = fields[name]
        group, option = groups[f.metadata["section"]], _option(f)
        if isinstance(f.default, bool):  # the text --set NAME=false would give
            group.add_argument(option, action="store_const", const="false",
                               help="turn off: " + _describe(f)[0].lower() + _describe(f)[1:])
        elif "choices" in f.metadata and not isinstance(f.default, tuple):
            group.add_argument(option, choices=f.metadata["choices"], help=_describe(f))
        else:
            group.add_argument(option, metavar=_metavar(f), help=_describe(f))


def build_parser() -> Parser:
    """The parser of every command; the settings' options come from their fields."""
    parser = Parser(prog="python -m nn_core", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser("train", help="train a network and print its scores as JSON")
    source = train.add_mutually_exclusive_group()
    source.add_argument("--data", metavar="FILE.csv", help="train on a CSV file")
    source.add_argument("--dataset", choices=list(BUILTIN), help="train on a built-in dataset")
    add_setting_flags(train)
    other = train.add_argument_group("files")
    other.add_argument("--settings", metavar="FILE.json", help="start from these settings; "
                       "flags override them")
    other.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                       help="any other setting, e.g. --set shuffle=false")
    other.add_argument("--save", metavar="model.json", help="write the trained model")
    other.add_argument("--history", metavar="history.csv", help="write the loss per epoch")
    other.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    train.set_defaults(run=run_train)

    predict = commands.add_parser("predict", help="predict the rows of a CSV with a saved model")
    predict.add_argument("--model", required=True, metavar="model.json")
    predict.add_argument("--data", required=True, metavar="FILE.csv")
    predict.add_argument("--out", metavar="predictions.csv", help="default: standard output")
    predict.set_defaults(run=run_predict)

    listing = commands.add_parser("datasets", help="list the built-in datasets")
    listing.add_argument("--json", action="store_true", help="as one JSON list")
    listing.set_defaults(run=run_datasets)
    return parser


def settings_from_args(args: argparse.Namespace) -> RunSettings:
    """The run's settings: defaults, then ``--settings FILE``, then the flags."""
    if not (args.data or args.dataset or args.settings):
        raise UsageError("give --dataset NAME or --data FILE.csv [--target COLUMN]")
    base = RunSettings()
    if args.settings:
        base = RunSettings.from_json(_read(args.settings, 1_000_000).decode("utf-8", "replace"))
    changes: dict[str, Any] = {}
    for item in args.set:
        name, eq, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if not eq or name not in field_names():
            raise UsageError(f"--set wants NAME=VALUE with a setting name, got {item[:60]!r}")
        changes[name] = value
    for dest, name in SETTING_FLAGS.items():
        value = getattr(args, dest)
        if value is not None:
            changes[name] = value
    if "epochs" not in changes and not args.settings:
        changes["epochs"] = CLI_EPOCHS
    if changes.get("hidden", "").strip() == "0":
        changes["hidden"] = ""
    if args.dataset:
        changes["dataset"] = args.dataset
    elif args.data:
        changes["dataset"] = "csv"
    try:
        settings = base.replace(**changes)
    except PlaygroundError as exc:
        raise UsageError(str(exc)) from None
    if args.data is None and settings.dataset not in BUILTIN:
        raise UsageError("the settings name a CSV dataset: give --data FILE.csv")
    return settings


# --- commands -----------------------------------------------------------------------------------

def run_train(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    csv_bytes = _read(args.data, MAX_UPLOAD_BYTES) if args.data else None
    dataset = load_data(settings, csv_bytes)
    if args.data and not settings.target:  # the last column, as the app takes it
        settings = settings.replace(target=dataset.target_name)
        if not args.quiet:
            _note(f"note: target column {dataset.target_name!r} (the last; --target names "
                  "another)")
    said = {name.partition("=")[0].strip().replace("-", "_") for name in args.set}
    said |= {name for name in ("patience", "validation_fraction") if getattr(args, name)}
    if args.data and args.settings is None and not {"patience", "validation_fraction"} & said:
        settings = with_early_stopping(settings, dataset.n_samples)
    elif "validation_fraction" not in said and not args.settings and settings.patience > 0:
        settings = settings.replace(validation_fraction=EARLY_STOPPING["validation_fraction"])
    say = (lambda _: None) if args.quiet else _note
    for notice in dataset.notices:
        say(f"note: {notice}")
    # The loss and metric are measured at the epochs the history records: every epoch when
    # --history asks for it, else at a stride that doubles (the summary needs only the last).
    cap = {} if args.history else {"history_cap": SUMMARY_POINTS}
    # nobody watches: no snapshots to look back at, no gradient-flow records for the app's views
    trainer = Trainer(settings, dataset, watched=False, **cap)
    say(f"training on {dataset.n_samples} rows ({len(trainer.train_idx)} train, "
        f"{len(trainer.test_idx)} test), {dataset.n_features} feature(s), {dataset.task}")
    chunk = max(1, settings.epochs // 10)
    while trainer.stop_reason is None and trainer.epoch < settings.epochs:
        trainer.train_epochs(min(chunk, settings.epochs - trainer.epoch))
        if not args.quiet:  # a progress line measures the network: not for nothing
            say(_progress(trainer))
    if trainer.stop_kind == "early" or (trainer.stop_reason and settings.patience > 0):
        say(f"note: {trainer.stop_reason}")
    if args.save:
        _write(args.save, model_to_json(trainer))
    if args.history:
        _write(args.history, history_csv(trainer.history))
    summary = trainer.summary()
    if settings.dtype != "float64":  # a float64 run's line stays the app's summary, key for key
        summary["dtype"] = settings.dtype
    print(json.dumps(_jsonable(summary)))
    if trainer.diverged:
        sys.stdout.flush()
        _fail(trainer.stop_reason.replace(trainer.advice(), trainer.advice(cli=True)),
              DIVERGED_STATUS)
    return 0


def run_predict(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd  # only here: training on a built-in dataset starts faster without it

    from nn_core.data.tabular import feature_matrix, frame_csv, read_csv_bytes
    from nn_core.io.predictions import check_prediction_size, predictions_frame

    model = model_from_json(_read(args.model, MAX_MODEL_BYTES))
    table = read_csv_bytes(_read(args.data, MAX_UPLOAD_BYTES))
    X, kept = feature_matrix(table, model.feature_names)
    check_prediction_size(len(X), 1 + len(model.classes))
    skipped = int((~kept).sum())
    if skipped:
        _note(f"note: skipped {skipped} row(s) with a missing or non-finite input")
    out = predictions_frame(pd.DataFrame(X, columns=model.feature_names), model.predict(X),
                            np.ones(len(X), dtype=bool), model.target_name,
                            model.classes if model.task != "regression" else [])
    text = frame_csv(out)  # text a spreadsheet would run as a formula is neutralised
    if args.out:
        _write(args.out, text)
    else:
        sys.stdout.write(text)
    return 0


def run_datasets(args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps([{"name": name, "title": spec.title, "task": spec.task,
                           "features": list(spec.features), "description": spec.description}
                          for name, spec in BUILTIN.items()]))
        return 0
    for name, spec in BUILTIN.items():
        print(f"{name:<10} {spec.task:<11} {spec.title}: {spec.description}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (errors end in SystemExit)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except UsageError as exc:
        _fail(str(exc), 2)
    except PlaygroundError as exc:
        _fail(str(exc), 1)
    except KeyboardInterrupt:
        _fail("interrupted", 130)


# --- helpers ------------------------------------------------------------------------------------

def _read(path: str, limit: int) -> bytes:
    """A file's bytes; a missing, unreadable or too large file is a PlaygroundError."""
    try:
        size = os.path.getsize(path)
        if size > limit:
            raise PlaygroundError(f"{path} is {size / 2**20:.1f} MB; the limit is "
                                  f"{limit / 2**20:.0f} MB")
        with open(path, "rb") as f:
            return f.read(limit + 1)
    except OSError as exc:
        raise PlaygroundError(f"cannot read {path}: {exc.strerror or exc}") from None


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as exc:
        raise PlaygroundError(f"cannot write {path}: {exc.strerror or exc}") from None


def _progress(trainer: Trainer) -> str:
    s = trainer.summary()
    scores = "  ".join(f"{k} {v:.4g}" for k, v in s.items()
                       if k not in ("epochs", "stop_reason") and isinstance(v, float))
    return f"epoch {trainer.epoch}/{trainer.settings.epochs}  {scores}"


def _jsonable(summary: dict[str, Any]) -> dict[str, Any]:
    """Plain JSON: numpy numbers as Python numbers, NaN and infinity as null."""
    out: dict[str, Any] = {}
    for k, v in summary.items():
        if hasattr(v, "item"):
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            v = None
        out[k] = v
    return out
