"""Paths of the app's pages, as ``st.navigation`` registers them (for page links and switches)."""

DATA = "pages/data.py"
TRAIN = "pages/train.py"
PREDICT = "pages/predict.py"
HOW_IT_WORKS = "pages/how_it_works.py"
SHARE = "pages/share.py"
