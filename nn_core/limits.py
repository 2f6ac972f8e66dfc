"""Every limit of the public demo in one place.

Each refusal that hits one of these names it, so a user knows what to change.
"""

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # size of an uploaded CSV file
MAX_ROWS = 20_000  # data rows in a table
MAX_COLUMNS = 200  # columns in a table (features are a subset)
MAX_FEATURES = 50  # feature columns used for training
MAX_CLASSES = 20  # distinct labels of a classification target
MAX_NAME_CHARS = 100  # length of one column name
MAX_ABS_VALUE = 1e15  # larger numbers are treated like missing values
MAX_PREDICTION_CELLS = 2_000_000  # rows × prediction columns of one batch prediction table

MIN_SAMPLES = 4  # built-in generators
MAX_SAMPLES = 5000

AUTO_CLASS_VALUES = 10  # a numeric target with at most this many integer values is a class label
SHOW_NAMES = 12  # how many column names a message lists before "and N more"
