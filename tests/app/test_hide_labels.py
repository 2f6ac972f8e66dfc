"""The classroom link's hide list speaks the pages' words (issue 22 item 6).

Each control's entry is the label its widget carries on the Data or Train page, then its code
name; typing a word of that label ("learning") finds it among the list's options.
"""

from streamlit.testing.v1 import AppTest

from nn_core.settings import RunSettings
from tests.conftest import go, start
from ui.session import choices, link_codec, locks, nav, widgets

# settings whose widget is not keyed by the field's own name
WIDGET_KEY = {"hidden": widgets.W_HIDDEN_LAYERS, "l1": widgets.W_REG_KIND,
              "l2": widgets.W_REG_KIND, **choices.widget_keys()}
# the hide list's label differs from the widget's: the widget's reads after the one above it
WIDGET_LABEL = {"target_loss": "…or at training loss", "l1": "Regularisation",
                "l2": "Regularisation"}

CSV = (b"name;height;weight;age;sex\nAl;170;70;25;m\nBo;160;55;30;f\nCy;180;90;40;m\n"
       b"Di;150;45;20;f\n")


def _widgets(at: AppTest) -> dict[str, str]:
    """Each keyed widget's label on the page ``at`` shows."""
    out = {}
    for kind in ("number_input", "selectbox", "select_slider", "checkbox", "radio", "slider",
                 "multiselect", "text_input", "toggle"):
        for w in getattr(at, kind):
            if getattr(w, "key", None):
                out[w.key] = w.label
    return out


def test_every_hide_entry_is_the_label_its_widget_shows():
    seen: dict[str, str] = {}
    at = start()  # Data page, a built-in dataset
    seen.update(_widgets(at))
    at.file_uploader[0].upload("people.csv", CSV, "text/csv").run()  # target, features, task
    assert not at.exception
    for key, label in _widgets(at).items():  # (its data seed reads "Split seed" on a table)
        seen.setdefault(key, label)
    # the Train page with every optional control shown (momentum, early stopping)
    at = go(start(settings=RunSettings(optimizer="momentum", patience=10,
                                       validation_fraction=0.2)), nav.TRAIN)
    seen.update(_widgets(at))
    missing = []
    for name in sorted(set(link_codec.LOCKABLE) - set(link_codec.SECTIONS)):
        key = WIDGET_KEY.get(name, widgets.widget_key(name))
        label = locks.LABELS[name]
        if key not in seen:
            missing.append(name)
            continue
        page_label = seen[key]
        assert page_label == WIDGET_LABEL.get(name, label) or page_label.startswith(
            label + " ("), (name, label, page_label)
    assert missing == [], missing  # every lockable control has a widget the test found
    assert set(locks.SECTION_LABELS) == set(link_codec.SECTIONS)


def test_the_share_page_lists_labels_first_and_learning_finds_the_rate():
    at = go(start(), nav.SHARE)
    hide = at.multiselect(key=widgets.W_LINK_HIDE)
    options = list(hide.options)
    assert len(options) == len(link_codec.LOCKABLE) == len(set(options))
    assert "Learning rate (lr)" in options
    assert "Hidden layers (hidden)" in options
    assert "Batch size (batch_size)" in options
    # the sections come first, then single controls in the order of their labels
    n = len(link_codec.SECTIONS)
    assert all("whole section" in o for o in options[:n])
    singles = [o.lower() for o in options[n:]]
    assert singles == sorted(singles)
    # the browser's search matches the typed text within each option's shown label
    assert [o for o in options if "learning" in o.lower()] == ["Learning rate (lr)"]
    # choosing an entry by its label locks the code name in the link
    hide.select("lr").run()
    assert not at.exception
    assert "hide=lr" in " ".join(c.value for c in at.code)
