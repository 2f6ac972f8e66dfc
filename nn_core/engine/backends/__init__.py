"""Fast backends: the same maths as the reference network, arranged for speed."""
