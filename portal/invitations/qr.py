"""The QR code of an activation link, as a PNG: segno's code, with what every link shares made once.

All the activation links of an installation have the same length (PUBLIC_URL, the path, a
43-character token), so their QR codes share the version, the error correction level, the
function patterns, the format and version information, the data mask and the order in which data
bits are placed. That template is built once per link length with segno's own functions and kept
(`_template`); per link only the data codewords, their Reed-Solomon error correction and the
placement of the set bits are computed (~0.2 ms instead of segno's ~2 ms). The result is the very
matrix `segno.make(link, error="m", mask=QR_MASK)` makes (tests/test_qr.py compares them); a link
that is not plain ASCII with a lowercase letter (segno would not use byte mode) goes to segno.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from itertools import zip_longest
from operator import itemgetter

import segno
from segno import consts
from segno import encoder as qr

# A fixed data mask: every QR decoder reads all eight masks, and choosing the "best" one by the
# standard's penalty score costs ~4 ms of pure Python per code.
QR_MASK = 4
_ERRORS = {
    "L": consts.ERROR_LEVEL_L,
    "M": consts.ERROR_LEVEL_M,
    "Q": consts.ERROR_LEVEL_Q,
    "H": consts.ERROR_LEVEL_H,
}


@dataclass(frozen=True)
class _Template:
    version: int
    capacity: int  # data bits
    count_bits: int  # length of the character count indicator
    blocks: tuple  # (data codewords, error correction codewords, their table) per block
    size: int
    base: int  # the modules, row after row, dark = 1, with every data bit 0 (mask, patterns)
    gather: itemgetter  # per module, row after row: the final message's bit there ("0": none)
    bits: int  # the final message's length, with the remainder bits


def _rs_table(ecc_words: int) -> tuple[int, ...]:
    """Per feedback byte, the generator polynomial times it, as one integer of `ecc_words` bytes."""
    gen, log, exp = consts.GEN_POLY[ecc_words], consts.GALIOS_LOG, consts.GALIOS_EXP
    table = [0]
    for value in range(1, 256):
        table.append(int.from_bytes(bytes(exp[log[value] + g] for g in gen), "big"))
    return tuple(table)


@lru_cache(maxsize=8)
def _template(length: int) -> _Template:
    """What every QR code of a `length`-byte link shares, from segno (version and level as
    `segno.make(error="m")` chooses them, boosted error correction included)."""
    sample = segno.make("a" * length, error="m", mask=QR_MASK)
    version, error = sample.version, _ERRORS[sample.error]
    size = qr.calc_matrix_size(version)
    matrix = qr.make_matrix(size, size)
    qr.add_finder_patterns(matrix, size, size)
    qr.add_alignment_patterns(matrix, size, size)
    free = [bytes(row) for row in matrix]
    positions = []
    for right in range(size - 1, 0, -2):  # the placement of qr.add_codewords, recorded
        if right <= 6:
            right -= 1
        for vertical in range(size):
            for z in range(2):
                j = right - z
                upwards = ((right & 2) == 0) ^ (j < 6)
                i = (size - 1 - vertical) if upwards else vertical
                if free[i][j] == 0x2:
                    positions.append((i, j))
    qr.add_codewords(matrix, bytearray(len(positions)), version)
    _mask, matrix = qr.find_and_apply_best_mask(matrix, size, size, QR_MASK)
    qr.add_format_info(matrix, version, error, QR_MASK)
    qr.add_version_info(matrix, version)
    blocks = []
    for info in consts.ECC[version][error]:
        table = _rs_table(info.num_total - info.num_data)
        blocks += [(info.num_data, info.num_total - info.num_data, table)] * info.num_blocks
    count_bits = consts.CHAR_COUNT_INDICATOR_LENGTH[consts.MODE_BYTE][qr.version_range(version)]
    where = {position: index for index, position in enumerate(positions)}
    nowhere = len(positions)  # the index of a "0" appended to the message's bits
    gather = itemgetter(*[where.get((i, j), nowhere) for i in range(size) for j in range(size)])
    base = int("".join(str(module) for row in matrix for module in row), 2)
    return _Template(
        version=version,
        capacity=consts.SYMBOL_CAPACITY[version][error],
        count_bits=count_bits,
        blocks=tuple(blocks),
        size=size,
        base=base,
        gather=gather,
        bits=nowhere,
    )


def _data_codewords(data: bytes, template: _Template) -> bytes:
    """Byte mode segment, terminator, padding bits and pad codewords, as segno writes them."""
    bits = (0b0100 << template.count_bits | len(data)) << 8 * len(data) | int.from_bytes(
        data, "big"
    )
    length = 4 + template.count_bits + 8 * len(data)
    terminator = min(template.capacity - length, 4)
    bits <<= terminator
    length += terminator
    padding = 8 - length % 8  # segno adds a whole zero byte when already on a boundary
    bits <<= padding
    length += padding
    out = bits.to_bytes(length // 8, "big")
    pads = template.capacity // 8 - length // 8
    return out + (b"\xec\x11" * (pads // 2 + 1))[:pads]


def _modules(link: str) -> tuple[int, str]:
    """(size, the modules row after row as "0" light / "1" dark characters)."""
    size, modules = _module_bits(link)
    return size, bin(modules)[2:].zfill(size * size)


def _module_bits(link: str) -> tuple[int, int]:
    """(size, the modules row after row as the bits of one number, the first the highest, dark
    = 1)."""
    if not link.isascii() or link.upper() == link:
        rows = segno.make(link, error="m", mask=QR_MASK).matrix
        return len(rows), int("".join(str(module) for row in rows for module in row), 2)
    data = link.encode("ascii")
    template = _template(len(data))
    codewords = _data_codewords(data, template)
    data_blocks, ecc_blocks, start = [], [], 0
    for count, width, table in template.blocks:
        block = codewords[start : start + count]
        start += count
        data_blocks.append(block)
        ecc_blocks.append(_ecc(block, width, table))
    final = bytes(b for column in zip_longest(*data_blocks) for b in column if b is not None)
    final += bytes(b for column in zip_longest(*ecc_blocks) for b in column if b is not None)
    bits = bin(int.from_bytes(final, "big"))[2:].zfill(8 * len(final)).ljust(template.bits, "0")
    bits += "0"  # what `gather` takes for the modules that carry no data
    placed = int("".join(template.gather(bits)), 2)
    return template.size, placed ^ template.base


def matrix(link: str) -> tuple[bytes, ...]:
    """The QR code's modules, one row of 0 (light) / 1 (dark) bytes per row."""
    size, modules = _modules(link)
    return tuple(
        modules[i : i + size].encode().translate(_MODULE) for i in range(0, len(modules), size)
    )


def _ecc(block: bytes, width: int, table: tuple) -> bytes:
    """The block's `width` Reed-Solomon error correction codewords (division by the generator)."""
    top, mask = 8 * (width - 1), (1 << 8 * width) - 1
    register = 0
    for byte in block:
        register = (register << 8 & mask) ^ table[byte ^ register >> top]
    return register.to_bytes(width, "big")


def png(link: str, *, scale: int = 5, border: int = 2) -> bytes:
    """The QR code of `link` as a black and white PNG (1 bit a pixel), rows written whole."""
    size, modules = _module_bits(link)
    width = (size + 2 * border) * scale
    padding = -width % 8
    row_bytes = (width + padding) // 8
    blank = b"\x00" + ((1 << 8 * row_bytes) - 1).to_bytes(row_bytes, "big")
    # Each row: the quiet zone, the modules (dark = 0: "1" is white), the quiet zone and the
    # padding, all light = 1, each module `scale` pixels wide.
    side = border * scale + padding
    light = ((1 << border * scale) - 1) << (size * scale + side) | (1 << side) - 1
    spread, inner, row_mask = _spread(scale), size * scale, (1 << size) - 1
    fill = -size % 8  # low zero bits that make a row whole bytes
    lines = [blank] * (border * scale)
    for shift in range(size * (size - 1), -1, -size):
        wide = 0
        for byte in ((modules >> shift & row_mask) << fill).to_bytes((size + fill) // 8, "big"):
            wide = wide << 8 * scale | spread[byte]
        dark = wide >> fill * scale
        line = light | (~dark & (1 << inner) - 1) << side
        lines += [b"\x00" + line.to_bytes(row_bytes, "big")] * scale
    lines += [blank] * (border * scale)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)  # 1-bit grayscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(lines), 1))
        + chunk(b"IEND", b"")
    )


@lru_cache(maxsize=8)
def _spread(scale: int) -> tuple[int, ...]:
    """Each byte's 8 bits, each repeated `scale` times (8 × scale bits)."""
    return tuple(
        sum(((1 << scale) - 1) << scale * (7 - i) for i in range(8) if byte >> (7 - i) & 1)
        for byte in range(256)
    )


_MODULE = bytes.maketrans(b"01", b"\x00\x01")
