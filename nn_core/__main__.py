"""``python -m nn_core``: see :mod:`nn_core.cli`."""

from nn_core.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
