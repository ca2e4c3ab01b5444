"""Demo qualification documents (首营资料) for the demo company, with tiny, valid placeholder
scans generated in code (no binary blobs in the repository): a PNG that looks like a
certificate (frame, lines of "text", a red seal) and a one-page PDF."""

from __future__ import annotations

import math
import struct
import zlib


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def placeholder_png(width: int = 240, height: int = 170, *, seed: int = 0,
                    accent: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    """An RGB PNG of a certificate-like card (a few KB)."""
    paper, frame, ink = (252, 250, 243), (176, 140, 70), (150, 150, 150)
    cx, cy, r = width - 52, height - 46, 26
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            c = paper
            if x in (6, 7, width - 7, width - 8) and 6 <= y < height - 6 or y in (6, 7, height - 7, height - 8) and 6 <= x < width - 6:
                c = frame
            elif 18 <= y <= 26 and width // 2 - 50 <= x <= width // 2 + 50:
                c = (60, 60, 60)  # the title
            else:
                line = (y - 42) // 14
                if 0 <= line < 6 and (y - 42) % 14 < 4:
                    end = width - 30 - ((line * 37 + seed * 11) % 70)
                    if 24 <= x <= end:
                        c = ink
            d = math.hypot(x - cx, y - cy)
            if r - 3 <= d <= r or d < 4 + 9 * max(0.0, math.cos(5 * (math.atan2(y - cy, x - cx) + math.pi / 2))) ** 3:
                c = accent  # the seal: a ring and a star
            row += bytes(c)
        rows.append(bytes(row))
    raw = b"".join(rows)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", zlib.compress(raw, 9))
            + _png_chunk(b"IEND", b""))


def _pdf_text(value: str) -> str:
    ascii_only = value.encode("ascii", "replace").decode("ascii")
    return ascii_only.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def placeholder_pdf(lines: list[str] | tuple[str, ...] = ("Placeholder scan",)) -> bytes:
    """A valid one-page A5 PDF with ``lines`` of ASCII text (Helvetica), ~1 KB."""
    text = ["BT", "/F1 16 Tf", "40 520 Td", "20 TL"]
    for i, line in enumerate(lines):
        if i == 1:
            text.append("/F1 11 Tf")
        text.append(f"({_pdf_text(line)}) '")
    text.append("ET")
    stream = "\n".join(["0.69 0.55 0.27 RG 3 w 20 20 380 555 re S", *text, "0.8 0.15 0.15 RG 2 w",
                        "330 90 m 330 112 312 130 290 130 c 268 130 250 112 250 90 c "
                        "250 68 268 50 290 50 c 312 50 330 68 330 90 c S"]).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
