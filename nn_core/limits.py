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
