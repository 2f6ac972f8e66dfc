"""Colours that stay apart for colour-blind visitors: the class colours (data scatter, decision
surface, predictions) and the weight scale (heatmaps, network edges, unit maps), passed through
a published simulation of protanopia, deuteranopia and tritanopia and compared by CIEDE2000.

Simulation: Machado, Oliveira & Fernandes (2009), "A Physiologically-based Model for
Simulation of Color Vision Deficiency", IEEE TVCG 15(6), severity 1.0 matrices, applied to
linear sRGB. Distance: CIEDE2000 (Sharma, Wu & Dalal 2005), checked here against rows of their
published test data. A difference of 10 or more is plainly visible side by side; neighbouring
classes on a chart get at least that.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from ui.live.surface import BINARY_SCALE
from ui.live.weights import WEIGHT_SCALE
from ui.views.data_charts import CLASS_COLORS

MACHADO = {  # severity 1.0, for linear RGB
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}
VISIONS = ["normal", *MACHADO]
# Classes a chart shows side by side that must stay apart: every pair of the first
# CLASSES_APART colours (the built-in datasets and the usual tables have at most 3-4 classes;
# beyond that the legend and the hover name each class). Measured: the closest of these pairs
# is 12.2 (protanopia, #0072B2/#CC79A7), 12.5 (deuteranopia), 10.9 (tritanopia); among all ten
# colours deuteranopia brings #CC79A7 and #999999 to 6.2.
CLASSES_APART = 6
MIN_CLASS_DE = 10.0
MIN_SCALE_DE = 8.0  # neighbouring steps of a diverging scale, a quarter of its range apart


def hex_rgb(c: str) -> np.ndarray:
    return np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)], dtype=float) / 255


def to_linear(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def simulate(rgb: np.ndarray, vision: str) -> np.ndarray:
    """Linear RGB as seen with ``vision`` (clipped to the gamut, as a screen shows it)."""
    lin = to_linear(rgb)
    if vision == "normal":
        return lin
    return np.clip(np.asarray(MACHADO[vision]) @ lin, 0, 1)


def lab(lin: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of a linear sRGB colour."""
    m = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]])
    xyz = m @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> float:
    """CIEDE2000 colour difference (kL = kC = kH = 1), after Sharma, Wu & Dalal (2005)."""
    L1, a1, b1 = lab1
    L2, a2, b2 = lab2
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360 if c2p else 0.0
    dLp, dCp = L2 - L1, c2p - c1p
    dh = 0.0
    if c1p * c2p:
        dh = h2p - h1p
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    dHp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    Lp, Cp = (L1 + L2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hp = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hp = (h1p + h2p) / 2
    else:
        hp = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(hp - 30)) + 0.24 * np.cos(np.radians(2 * hp))
         + 0.32 * np.cos(np.radians(3 * hp + 6)) - 0.20 * np.cos(np.radians(4 * hp - 63)))
    d_theta = 30 * np.exp(-(((hp - 275) / 25) ** 2))
    rc = 2 * np.sqrt(Cp ** 7 / (Cp ** 7 + 25 ** 7))
    sl = 1 + 0.015 * (Lp - 50) ** 2 / np.sqrt(20 + (Lp - 50) ** 2)
    sc = 1 + 0.045 * Cp
    sh = 1 + 0.015 * Cp * t
    rt = -np.sin(np.radians(2 * d_theta)) * rc
    return float(np.sqrt((dLp / sl) ** 2 + (dCp / sc) ** 2 + (dHp / sh) ** 2
                         + rt * (dCp / sc) * (dHp / sh)))


def seen_difference(c1: str, c2: str, vision: str) -> float:
    return ciede2000(lab(simulate(hex_rgb(c1), vision)), lab(simulate(hex_rgb(c2), vision)))


@pytest.mark.parametrize(("lab1", "lab2", "expected"), [
    # rows 1, 7, 17 and 25 of Sharma, Wu & Dalal's test data (Table 1)
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
])
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected) -> None:
    assert ciede2000(np.array(lab1), np.array(lab2)) == pytest.approx(expected, abs=1e-4)


def test_simulations_keep_white_and_black() -> None:
    """Each matrix's rows sum to one: greys (white, black) look the same to everyone."""
    for vision in MACHADO:
        assert simulate(np.ones(3), vision) == pytest.approx(np.ones(3), abs=1e-5)
        assert seen_difference("#777777", "#777777", vision) == 0


def test_a_red_green_pair_collapses_for_red_green_blindness() -> None:
    """The simulation does what it claims: pure red and a green of the same lightness look
    far apart to normal vision and close to protan and deutan vision."""
    normal = seen_difference("#d62728", "#2ca02c", "normal")
    assert normal > 60
    assert seen_difference("#d62728", "#2ca02c", "deuteranopia") < normal / 10
    assert seen_difference("#d62728", "#2ca02c", "protanopia") < normal / 2


@pytest.mark.parametrize("vision", VISIONS)
def test_class_colours_stay_apart(vision: str) -> None:
    worst = min(((seen_difference(a, b, vision), a, b)
                 for a, b in itertools.combinations(CLASS_COLORS[:CLASSES_APART], 2)))
    assert worst[0] >= MIN_CLASS_DE, f"{vision}: {worst[1]} and {worst[2]} differ by {worst[0]:.1f}"


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize("scale", [WEIGHT_SCALE, BINARY_SCALE], ids=["weights", "surface"])
def test_colour_scales_stay_ordered_and_apart(vision: str, scale: list) -> None:
    """Along a diverging scale, each stop differs from the next by MIN_SCALE_DE at least and
    the two ends differ most from each other (negative and positive never look alike)."""
    colours = [c for _, c in scale]
    steps = [seen_difference(a, b, vision) for a, b in itertools.pairwise(colours)]
    assert min(steps) >= MIN_SCALE_DE, f"{vision}: steps {[round(s, 1) for s in steps]}"
    ends = seen_difference(colours[0], colours[-1], vision)
    assert ends >= 2 * MIN_CLASS_DE, f"{vision}: ends differ by {ends:.1f}"
