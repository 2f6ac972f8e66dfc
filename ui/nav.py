"""Paths of the app's pages, as ``st.navigation`` registers them (for page links and switches)."""

DATA = "app_pages/data.py"
TRAIN = "app_pages/train.py"
PREDICT = "app_pages/predict.py"
HOW_IT_WORKS = "app_pages/how_it_works.py"
SHARE = "app_pages/share.py"
