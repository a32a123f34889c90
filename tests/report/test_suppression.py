"""Small-cell suppression: small counts hidden, and never recoverable from the totals."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nedcohort.report.suppression import shown, table_mask


def test_a_single_small_cell_takes_a_partner_in_its_row_and_column():
    counts = np.array([[3, 40, 43], [30, 27, 57]])  # groups A, B, then the row total
    hidden = table_mask(counts, 5, total_column=True)
    assert hidden[0, 0]
    assert hidden[1, 0]  # column A adds up to its published N
    assert hidden[0, 1] or hidden[0, 2]  # row 1 adds up to its total
    assert shown(3, True, 5) == "<5" and shown(30, True, 5) == "x" and shown(30, False, 5) == "30"


def test_nothing_hidden_without_small_counts_or_threshold():
    counts = np.array([[10, 20, 30], [5, 6, 11]])
    assert not table_mask(counts, 5, True).any()
    assert not table_mask(np.array([[1, 2, 3]]), None, True).any()


@settings(max_examples=200, deadline=None)
@given(
    arrays(np.int64, st.tuples(st.integers(2, 5), st.integers(2, 4)), elements=st.integers(0, 30))
)
def test_no_row_or_column_ever_has_exactly_one_hidden_cell(cells):
    counts = np.column_stack([cells, cells.sum(axis=1)])
    hidden = table_mask(counts, 5, total_column=True)
    small = (counts > 0) & (counts < 5)
    assert np.all(hidden[small])
    assert all(hidden[:, j].sum() != 1 for j in range(counts.shape[1]))
    assert all(hidden[i, :].sum() != 1 for i in range(counts.shape[0]))


def test_flow_reasons_are_suppressed_alike_in_table_and_figure(tmp_path):
    """A small reason hides its partner too: otherwise n_excluded − 223 gives it away."""
    from nedcohort.report.figures import draw_flow
    from nedcohort.report.tables import flow_table, shown_reasons
    from tests.report.test_outputs import svg_texts

    step = {
        "step": "progression-free ≥ 36 months",
        "n_before": 366,
        "n_excluded": 226,
        "n_after": 140,
        "reasons": {"progression or death within 36 months": 223, "followed < 36 months": 3},
    }
    lines = shown_reasons(step, 5)
    assert lines == ["progression or death within 36 months: x", "followed < 36 months: <5"]
    assert flow_table([step], 5).rows[0][-1] == "; ".join(lines)
    draw_flow([step], tmp_path / "flow", reasons=[lines])
    drawn = svg_texts(tmp_path / "flow.svg", "flow|excluded|0")["flow|excluded|0"]
    assert "223" not in drawn
    assert "36 months: x" in drawn and "followed < 36 months: <5" in drawn
    assert drawn.startswith("Excluded: 226")
