"""nn_core: the playground's NumPy neural-network engine (numpy only; pandas at the CSV edge)."""

from nn_core.errors import PlaygroundError
from nn_core.network import Network
from nn_core.seed import NeuralNetwork
from nn_core.settings import RunSettings

__all__ = ["Network", "NeuralNetwork", "PlaygroundError", "RunSettings"]
