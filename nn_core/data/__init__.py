"""Data: the Dataset, the built-in sets, tables read from CSV, their scaling."""
