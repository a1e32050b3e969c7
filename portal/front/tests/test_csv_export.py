"""CSV downloads are safe to open in a spreadsheet and can be uploaded again as they are."""

import pytest

from portal.lib.csvexport import csv_lines, safe_cell, unneutralise


@pytest.mark.parametrize(
    "value, written",
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("+1 (212) 555", "'+1 (212) 555"),
        ("+12125550100", "+12125550100"),  # A plain phone number is no formula: left alone.
        ("Ada", "Ada"),
        (None, ""),
        (7, "7"),
    ],
)
def test_it_neutralises_formulas_but_not_phone_numbers(value, written):
    assert safe_cell(value) == written
    assert unneutralise(written) == ("" if value is None else str(value))


def test_lines_start_with_a_bom_and_end_with_crlf():
    lines = list(csv_lines([["=1+1", "x"]], header=["a", "b"]))
    assert lines == ["\ufeff", "a,b\r\n", "'=1+1,x\r\n"]
