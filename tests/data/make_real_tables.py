"""Write two well-known public tables as CSV from scikit-learn's bundled copies (test-only).

iris.csv: Fisher's iris (150 rows, 4 measurements in cm, species as text).
breast_cancer.csv: Wisconsin diagnostic breast cancer (569 rows, 30 features, diagnosis as text).
Run ``python tests/data/make_real_tables.py``; the CSV files are committed.
"""

from pathlib import Path

from sklearn.datasets import load_breast_cancer, load_iris

HERE = Path(__file__).parent


def write(bunch, target_name: str, path: Path) -> None:
    frame = bunch.frame.copy()
    frame[target_name] = [bunch.target_names[i] for i in bunch.target]
    frame = frame.drop(columns="target")
    frame.to_csv(path, index=False, float_format="%.6g", lineterminator="\n")


if __name__ == "__main__":
    write(load_iris(as_frame=True), "species", HERE / "iris.csv")
    write(load_breast_cancer(as_frame=True), "diagnosis", HERE / "breast_cancer.csv")
