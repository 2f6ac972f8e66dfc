"""Training: the trainer, its snapshots, kept runs, evaluation, one step laid bare."""
