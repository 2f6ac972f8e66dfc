"""The parts of pages, one module per part (train controls, quality, runs, step, how, predict,
data, inside), and what they share: charts' colours, safe user text, keyboard and screen-reader
support."""
