"""The engine: activations, losses, optimisers, the reference network, the blog's class,
and the fast backends."""
