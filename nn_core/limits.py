"""Every limit of the public demo in one place.

Each refusal that hits one of these names it, so a user knows what to change.
"""

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

# Looking back to an epoch between two snapshots replays the run from the earlier one. One
# replay trains at most MAX_REPLAY_WORK: epochs × (training rows × parameters + mini-batches ×
# (REPLAY_STEP_WORK × parameters + REPLAY_BATCH_WORK)), the update's and a batch's fixed cost
# in the same units (fitted on this project's machine: bench/replay.py, about 1 s at the limit).
# A run whose one epoch costs more looks back only to its kept snapshots.
MAX_REPLAY_WORK = 2_000_000_000
REPLAY_STEP_WORK = 15
REPLAY_BATCH_WORK = 30_000
