"""Episode pictures: captions and titles fit their panels."""

from __future__ import annotations

import numpy as np

from records.pictures import CAPTION_HEIGHT, fitted, strip


def test_long_text_is_cut_to_fit_and_short_text_is_kept() -> None:
    assert fitted("done()", 200) == "done()"
    long = "put the red block in the blue bowl, then " * 5
    cut = fitted(long, 300)
    assert cut.endswith("...") and len(cut) < len(long)


def test_strip_has_a_title_band_over_captioned_panels() -> None:
    panels = [(np.zeros((100, 200, 3), np.uint8), "1: step"), (np.zeros((100, 200, 3), np.uint8),
                                                               "2: done()")]
    plain = strip(panels, scale=0.5)
    titled = strip(panels, scale=0.5, title="a very long instruction " * 10)
    assert plain.shape == (50 + CAPTION_HEIGHT, 200, 3)
    assert titled.shape == (50 + 2 * CAPTION_HEIGHT, 200, 3)
    assert titled[:CAPTION_HEIGHT].min() == 0 and titled[:CAPTION_HEIGHT].max() == 255
