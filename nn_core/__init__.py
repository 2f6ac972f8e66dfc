"""nn_core: the playground's NumPy neural-network engine (numpy only; pandas at the CSV edge).

``NeuralNetwork`` is the blog's class, unchanged in use; everything else generalises it:
``RunSettings`` describes a run, ``load_data`` gives its ``Dataset``, ``Trainer`` trains a
``Network`` on it, and ``model_to_json`` / ``model_from_json`` save and load the result.
"""

from nn_core.data.builtin import make_dataset
from nn_core.data.dataset import Dataset
from nn_core.data.load import load_data
from nn_core.data.preprocess import Preprocessor
from nn_core.engine.blog_network import NeuralNetwork
from nn_core.engine.network import Network
from nn_core.errors import PlaygroundError
from nn_core.io.serialize import TrainedModel, model_from_json, model_to_json
from nn_core.settings import RunSettings
from nn_core.training.trainer import Trainer

__all__ = [
    "Dataset",
    "Network",
    "NeuralNetwork",
    "PlaygroundError",
    "Preprocessor",
    "RunSettings",
    "TrainedModel",
    "Trainer",
    "load_data",
    "make_dataset",
    "model_from_json",
    "model_to_json",
]
