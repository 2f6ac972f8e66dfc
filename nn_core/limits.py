"""Every limit of the public demo in one place.

Each refusal that hits one of these names it, so a user knows what to change.
"""

from itertools import pairwise

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # size of an uploaded file (the server's cap, config.toml)
MAX_BUNDLE_BYTES = MAX_UPLOAD_BYTES  # a run bundle: written only if it can be uploaded back
MAX_MODEL_BYTES = 2 * 1024 * 1024  # a model JSON (the largest network allowed is ~0.8 MB)
MAX_ROWS = 20_000  # data rows in a table
MAX_COLUMNS = 200  # columns in a table (features are a subset)
MAX_FEATURES = 50  # feature columns used for training
MAX_CLASSES = 20  # distinct labels of a classification target
MAX_NAME_CHARS = 100  # length of one column name
MAX_ABS_VALUE = 1e15  # larger numbers are treated like missing values
MAX_PREDICTION_CELLS = MAX_ROWS * (MAX_CLASSES + 1)  # rows x (label + probabilities) predicted

MIN_SAMPLES = 4  # built-in generators
MAX_SAMPLES = 5000

AUTO_CLASS_VALUES = 10  # a numeric target with at most this many integer values is a class label
SHOW_NAMES = 12  # how many column names a message lists before "and N more"

# --- memory: what a session will hold, known from its settings before anything is allocated ---
# Each figure is bytes per unit of what the settings say (rows, columns, units, parameters),
# measured on a real server process by bench/session_memory.py, which prints the prediction
# beside the resident memory it measured. The pages check each part against the server's
# memory ceiling (``NN_PLAYGROUND_MAX_RSS_MB``) before they allocate it (ui/session/actions.py).
FLOAT_BYTES = 8
PARSE_CELL_BYTES = 96  # reading a table: pandas' parser, the numeric copy, the checks (peak)
FILE_COPIES = 3  # an upload is held by the uploader, kept by the session, decoded once
TABLE_COPIES = 2  # the dataset's X and the table the Data page shows, float64 each
INPUT_COPIES = 4  # the trainer's scaled inputs: splits, the expansion, the scaling's temporary
FORWARD_COPIES = 3  # every layer's z and f(z) over all rows, and one temporary while computing
PARAM_COPIES = 8  # weights, gradient, optimiser state, best weights, a step's temporaries
SNAPSHOT_ARRAYS = 4  # vectors of the network's size one look-back snapshot keeps at most
BATCH_COPIES = 4  # a mini-batch's activations, deltas and their temporaries
LIVE_BYTES = 4 * 1024 * 1024  # the live element: a tick's frames, its static part, the figures


def network_params(sizes: list[int]) -> int:
    """Weights and biases of a network whose layers have ``sizes`` units (inputs first)."""
    return sum((a + 1) * b for a, b in pairwise(sizes))


def data_bytes(rows: int, columns: int, file_bytes: int = 0) -> int:
    """Reading a table of ``rows`` × ``columns`` (from a file of ``file_bytes``) and keeping it."""
    cells = rows * columns
    return file_bytes * FILE_COPIES + cells * (PARSE_CELL_BYTES + TABLE_COPIES * FLOAT_BYTES)


def trainer_bytes(rows: int, inputs: int, hidden: tuple[int, ...] | list[int], outputs: int,
                  batch_size: int, snapshots: int) -> int:
    """A trainer on ``rows`` rows: its inputs and targets, one forward pass over every row (the
    loss and health checks), the parameters and optimiser, the look-back ``snapshots``, a
    mini-batch's buffers (``batch_size`` 0: every row at once) and the live view."""
    layers = [inputs, *hidden, outputs]
    params = network_params(layers)
    units = sum(layers[1:])
    batch = rows if batch_size <= 0 else min(batch_size, rows)
    return FLOAT_BYTES * (rows * (inputs * INPUT_COPIES + outputs * 2)
                          + rows * units * FORWARD_COPIES
                          + params * (PARAM_COPIES + SNAPSHOT_ARRAYS * snapshots)
                          + batch * sum(layers) * BATCH_COPIES) + LIVE_BYTES


def prediction_bytes(rows: int, columns: int, outputs: int, widest: int,
                     file_bytes: int = 0) -> int:
    """Predicting a file of ``rows`` × ``columns`` inputs: reading it, one forward pass (a layer
    at a time, ``widest`` units at most: its input, z and f(z)), and the result table with
    ``outputs`` more columns (probabilities and the label)."""
    return (data_bytes(rows, columns + outputs + 1, file_bytes)
            + FLOAT_BYTES * rows * widest * FORWARD_COPIES)


def table_shape(data: bytes) -> tuple[int, int]:
    """An upper bound of the (rows, columns) a CSV file holds, counted without parsing it: its
    line breaks, and the separators of its first line plus one."""
    first = data[:data.find(b"\n")] if b"\n" in data else data
    columns = max(first.count(b","), first.count(b";"), first.count(b"\t")) + 1
    return data.count(b"\n") + 1, columns


# Looking back to an epoch between two snapshots replays the run from the earlier one. One
# replay trains at most MAX_REPLAY_WORK: epochs × (training rows × parameters + mini-batches ×
# (REPLAY_STEP_WORK × parameters + REPLAY_BATCH_WORK)), the update's and a batch's fixed cost
# in the same units (fitted on this project's machine: bench/replay.py, about 1 s at the limit).
# A run whose one epoch costs more looks back only to its kept snapshots.
MAX_REPLAY_WORK = 2_000_000_000
REPLAY_STEP_WORK = 15
REPLAY_BATCH_WORK = 30_000


# Inside the network (nn_core/analysis/): each view's work is bounded before it is spent.
LANDSCAPE_GRID = 21  # loss landscape: at most this many points along each axis of the slice
LANDSCAPE_ROWS = 256  # ... on at most this many training rows (evenly spaced), per grid point
LANDSCAPE_MIN_ROWS = 32  # ... and at least this many (or all of them), fewer for big networks:
LANDSCAPE_WORK = 800_000_000  # grid points × rows × parameters (the largest network: 71 rows)
FLOW_ROWS = 256  # gradient flow: the gradient and slopes measured on at most this many rows
FLOW_POINTS = 100  # ... at most this many epochs kept (thinned by halves, like the history)
HIDDEN_ROWS = 600  # hidden space: at most this many training points drawn
HIDDEN_LINES = 13  # ... this many grid lines across each input, each of HIDDEN_LINE_POINTS
HIDDEN_LINE_POINTS = 41
LR_FINDER_STEPS = 100  # learning-rate finder: at most this many mini-batches
LR_FINDER_ROWS = 256  # ... of at most this many rows each
MAX_NOTEBOOK_BYTES = 8 * 1024 * 1024  # a notebook export (the data and the weights inside)
