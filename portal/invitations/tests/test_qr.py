"""The QR code of an activation link is exactly segno's, drawn as a PNG a mail client can show."""

import secrets
import struct
import zlib

import pytest
import segno

from portal.invitations import qr


def segno_matrix(link: str) -> list[list[int]]:
    return [list(row) for row in segno.make(link, error="m", mask=qr.QR_MASK).matrix]


def png_modules(png: bytes, *, scale: int = 5, border: int = 2) -> list[list[int]]:
    """The modules read back from the PNG's pixels (1-bit grayscale: 0 is black)."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, depth, color = struct.unpack(">IIBB", png[16:26])
    assert width == height and depth == 1 and color == 0
    data = png[png.index(b"IDAT") + 4 : png.index(b"IEND") - 8]
    raw = zlib.decompress(data)
    stride = (width + 7) // 8 + 1
    rows = [raw[i * stride : (i + 1) * stride] for i in range(height)]
    assert all(row[0] == 0 for row in rows)  # filter type: none
    bits = ["".join(f"{byte:08b}" for byte in row[1:])[:width] for row in rows]
    size = width // scale - 2 * border
    return [
        [1 - int(bits[(border + i) * scale + 2][(border + j) * scale + 2]) for j in range(size)]
        for i in range(size)
    ]


@pytest.mark.parametrize("length", [1, 5, 20, 43, 60, 90, 140, 250])
def test_the_matrix_is_segnos_for_links_of_every_length(length):
    for _ in range(5):
        link = "https://portal.example.com/activate/" + secrets.token_urlsafe(200)[:length] + "/"
        assert [list(row) for row in qr.matrix(link)] == segno_matrix(link)


def test_the_png_shows_the_same_modules():
    link = "http://127.0.0.1:8000/activate/" + secrets.token_urlsafe(32) + "/"
    assert png_modules(qr.png(link)) == segno_matrix(link)


def test_a_link_segno_would_not_encode_in_byte_mode_is_left_to_segno():
    link = "HTTPS://PORTAL.EXAMPLE.COM/ACTIVATE/ABC123/"
    assert [list(row) for row in qr.matrix(link)] == segno_matrix(link)
