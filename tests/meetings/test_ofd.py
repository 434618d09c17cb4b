"""The OFD copy (GB/T 33190-2016) of issued minutes, checked against the PDF it is made from.

The package is read three ways: as a zip of XML parts (the structure the standard prescribes),
by easyofd from PyPI (an independent reader: its parser and its own arithmetic for TextCode
X/Y/DeltaX), and against pdfplumber's reading of the PDF (text and glyph origins). No PyPI
package ships the standard's XSD files, so the XML is checked for well-formedness and for the
elements and references the standard requires.
"""

import base64
import hashlib
import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pdfplumber
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from fontTools.ttLib import TTFont

from meetings import services
from meetings.models import Distribution, Download, Minutes
from meetings.ofd import NS, pdf_to_ofd
from meetings.pdf import MARK, render_minutes_pdf
from members.permissions import Role
from tests.factories import approved_minutes, make_user
from tests.meetings.test_pdf import DECISIONS, ISSUED, NUMBER, make_minutes

MM_PER_PT = 25.4 / 72
OFD = {"ofd": NS}
TOLERANCE = 0.5  # mm: every glyph of the OFD within this of the PDF's (issue 16)


@pytest.fixture(scope="module")
def document(django_db_setup, django_db_blocker):
    """A 3-page 纪要 (test_pdf's decisions twice over, one attendee), its PDF and its OFD, made
    once, from data in a transaction rolled back."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("loaddata", "charter", verbosity=0)
            user = get_user_model().objects.create(username="ofd-measurer")
            minutes = make_minutes(user, DECISIONS * 2, [{"name": "李贵", "post": "副旗长"}])
            pdf = render_minutes_pdf(minutes, number_label=NUMBER, issued_on=ISSUED)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
    return pdf, pdf_to_ofd(pdf)


@pytest.fixture(scope="module")
def package(document):
    return zipfile.ZipFile(io.BytesIO(document[1]))


def xml(package, name):
    return ElementTree.fromstring(package.read(name))


@pytest.fixture(scope="module")
def easy(document):
    """easyofd's reading of the package: per page, its text objects and paths."""
    from easyofd.ofd import OFD as EasyOFD

    reader = EasyOFD()
    reader.read(document[1], fmt="binary")
    return reader.data[0]


def pdf_glyphs(pdf: bytes):
    """Per page, pdfplumber's characters as (text, x, baseline y) in mm from the top-left."""
    pages = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            height = float(page.height)
            pages.append(
                [
                    (c["text"], c["matrix"][4] * MM_PER_PT, (height - c["matrix"][5]) * MM_PER_PT)
                    for c in page.chars
                ]
            )
    return pages


def easy_glyphs(easy):
    """Per page, easyofd's characters with the origin its own DeltaX arithmetic gives them."""
    from easyofd.draw.draw_pdf import DrawPDF

    offsets = DrawPDF.__new__(DrawPDF).cmp_offset
    pages = []
    for n in sorted(easy["page_info"]):
        glyphs = []
        for t in easy["page_info"][n]["text_list"]:
            xs = offsets(t["pos"][0], t["X"], t["DeltaX"], t["text"], {}, dire="X")
            ys = offsets(t["pos"][1], t["Y"], t.get("DeltaY", ""), t["text"], {}, dire="Y")
            ys += [ys[-1]] * (len(t["text"]) - len(ys))  # no DeltaY: one baseline
            glyphs += list(zip(t["text"], xs, ys, strict=False))
        pages.append(glyphs)
    return pages


# --- the package --------------------------------------------------------------------------------


def test_the_minutes_fill_three_pages(document):
    assert len(pdfplumber.open(io.BytesIO(document[0])).pages) == 3


def test_the_package_has_the_parts_gb_t_33190_prescribes(package):
    names = set(package.namelist())
    assert package.namelist()[0] == "OFD.xml"
    root = xml(package, "OFD.xml")
    assert (
        root.tag == f"{{{NS}}}OFD" and root.get("Version") == "1.0" and root.get("DocType") == "OFD"
    )
    body = root.find("ofd:DocBody", OFD)
    assert body.find("ofd:DocInfo/ofd:DocID", OFD).text
    assert body.find("ofd:DocInfo/ofd:Title", OFD).text == f"{MARK}{NUMBER}"
    assert body.find("ofd:DocRoot", OFD).text == "Doc_0/Document.xml"
    document = xml(package, "Doc_0/Document.xml")
    common = document.find("ofd:CommonData", OFD)
    assert common.find("ofd:PublicRes", OFD).text == "PublicRes.xml"
    assert common.find("ofd:DocumentRes", OFD).text == "DocumentRes.xml"
    assert {"Doc_0/PublicRes.xml", "Doc_0/DocumentRes.xml"} <= names
    pages = document.findall("ofd:Pages/ofd:Page", OFD)
    assert [p.get("BaseLoc") for p in pages] == [
        f"Pages/Page_{n}/Content.xml" for n in range(len(pages))
    ]
    assert all(f"Doc_0/{p.get('BaseLoc')}" in names for p in pages)
    fonts = xml(package, "Doc_0/PublicRes.xml")
    assert fonts.get("BaseLoc") == "Res"
    files = [f.find("ofd:FontFile", OFD).text for f in fonts.findall("ofd:Fonts/ofd:Font", OFD)]
    assert files and all(f"Doc_0/Res/{name}" in names for name in files)


def test_every_xml_part_is_well_formed_with_unique_ids_up_to_max_unit_id(package):
    ids = []
    for name in package.namelist():
        if name.endswith(".xml"):
            root = xml(package, name)  # raises on malformed XML
            assert root.tag.startswith(f"{{{NS}}}"), name
            ids += [int(e.get("ID")) for e in root.iter() if e.get("ID")]
    assert len(ids) == len(set(ids))
    max_id = int(xml(package, "Doc_0/Document.xml").find("ofd:CommonData/ofd:MaxUnitID", OFD).text)
    assert max(ids) == max_id


def test_every_page_has_the_pdf_page_size(document, package):
    with pdfplumber.open(io.BytesIO(document[0])) as pdf:
        sizes = [(float(p.width) * MM_PER_PT, float(p.height) * MM_PER_PT) for p in pdf.pages]
    boxes = []
    for n in range(len(sizes)):
        box = xml(package, f"Doc_0/Pages/Page_{n}/Content.xml").find(
            "ofd:Area/ofd:PhysicalBox", OFD
        )
        boxes.append(tuple(float(v) for v in box.text.split()))
    assert boxes == [
        (0, 0, pytest.approx(w, abs=1e-3), pytest.approx(h, abs=1e-3)) for w, h in sizes
    ]
    assert sizes[0] == (pytest.approx(210, abs=0.01), pytest.approx(297, abs=0.01))


def test_the_fonts_are_small_truetype_subsets_that_cover_every_character(package):
    fonts = xml(package, "Doc_0/PublicRes.xml").findall("ofd:Fonts/ofd:Font", OFD)
    covered = {}
    for font in fonts:
        program = TTFont(
            io.BytesIO(package.read(f"Doc_0/Res/{font.find('ofd:FontFile', OFD).text}"))
        )
        assert "glyf" in program and "CFF " not in program
        assert program["maxp"].numGlyphs < 500  # the document's glyphs only, not the face's
        covered[font.get("ID")] = set(program.getBestCmap())
    for n in range(3):
        page = xml(package, f"Doc_0/Pages/Page_{n}/Content.xml")
        for text in page.iter(f"{{{NS}}}TextObject"):
            for code in text.findall("ofd:TextCode", OFD):
                assert {ord(c) for c in code.text} <= covered[text.get("Font")], code.text


def test_nothing_is_an_image_text_stays_text(package):
    for name in package.namelist():
        if name.endswith(".xml"):
            root = xml(package, name)
            assert root.find(".//ofd:ImageObject", OFD) is None
            assert root.find(".//ofd:MultiMedia", OFD) is None
    assert not [n for n in package.namelist() if n.lower().endswith((".png", ".jpg", ".jpeg"))]


def test_the_red_mark_and_its_rule_and_the_banji_rules_are_there_as_text_and_paths(package):
    first = xml(package, "Doc_0/Pages/Page_0/Content.xml")
    red = [
        t
        for t in first.iter(f"{{{NS}}}TextObject")
        if t.find("ofd:FillColor", OFD).get("Value") == "230 0 18"
    ]
    assert "".join(t.find("ofd:TextCode", OFD).text for t in red) == MARK
    rules = [
        p
        for p in first.iter(f"{{{NS}}}PathObject")
        if p.find("ofd:FillColor", OFD) is not None
        and p.find("ofd:FillColor", OFD).get("Value") == "230 0 18"
    ]
    assert len(rules) == 1
    x, y, w, h = (float(v) for v in rules[0].get("Boundary").split())
    assert (x, w) == (pytest.approx(28, abs=0.1), pytest.approx(156, abs=0.1))  # the 版心's width
    last = xml(package, "Doc_0/Pages/Page_2/Content.xml")
    black = [
        p
        for p in last.iter(f"{{{NS}}}PathObject")
        if p.find("ofd:FillColor", OFD).get("Value") == "0 0 0"
    ]
    assert len(black) >= 3  # 版记: first and last rules and the one between 抄送 and 印发
    text = "".join(c.text for c in last.iter(f"{{{NS}}}TextCode"))
    assert "抄送" in text and "印发" in text


def test_the_same_pdf_gives_the_same_ofd_byte_for_byte(document):
    assert pdf_to_ofd(document[0]) == document[1]


# --- the independent reader ---------------------------------------------------------------------


def test_easyofd_reads_the_same_text_pdfplumber_reads_from_the_pdf(document, easy):
    with pdfplumber.open(io.BytesIO(document[0])) as pdf:
        expected = ["".join(c["text"] for c in page.chars) for page in pdf.pages]
    read = [
        "".join(t["text"] for t in easy["page_info"][n]["text_list"])
        for n in sorted(easy["page_info"])
    ]
    assert read == expected
    assert [len(p) for p in read] == [len(p) for p in expected] and all(read)
    assert "— 3 —" in read[2] or "—3—" in read[2].replace(" ", "")  # the page number


def test_every_glyph_lies_within_half_a_millimetre_of_the_pdf_glyph_on_every_page(document, easy):
    expected, read = pdf_glyphs(document[0]), easy_glyphs(easy)
    assert len(read) == len(expected) == 3
    worst = 0.0
    for page_read, page_expected in zip(read, expected, strict=True):
        assert len(page_read) == len(page_expected)
        for (text, x, y), (want_text, want_x, want_y) in zip(page_read, page_expected, strict=True):
            assert text == want_text
            worst = max(worst, abs(x - want_x), abs(y - want_y))
    assert worst <= TOLERANCE
    assert worst < 0.01  # in fact: the same positions, to the 4 decimals written


def test_easyofd_finds_the_embedded_fonts(easy):
    programs = [base64.b64decode(f["font_b64"]) for f in easy["fonts"].values()]
    assert programs and all(TTFont(io.BytesIO(p))["glyf"] for p in programs)


# --- issuance, download, backup ------------------------------------------------------------------


def test_issuing_stores_the_ofd_once_with_its_sha256(office, leader, liaison):
    minutes = services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    minutes.refresh_from_db()
    data = minutes.ofd.read()
    assert data.startswith(b"PK") and hashlib.sha256(data).hexdigest() == minutes.ofd_sha256
    assert minutes.ofd.name.endswith(".ofd") and minutes.ofd_sha256[:12] in minutes.ofd.name
    with minutes.pdf.open("rb") as pdf:
        assert pdf_to_ofd(pdf.read()) == data  # made from the PDF as issued
    assert services.issued_minutes_by_ofd_sha256(minutes.ofd_sha256) == minutes
    assert services.issued_minutes_by_ofd_sha256(minutes.pdf_sha256) is None
    assert services.issued_minutes_by_ofd_sha256("not a hash") is None


def test_a_liaison_downloads_the_ofd_and_it_counts_like_the_pdf(client, office, leader, liaison):
    minutes = services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    client.force_login(liaison)
    detail = client.get(reverse("meetings:minutes-detail", args=[minutes.pk])).content.decode()
    assert reverse("meetings:minutes-ofd", args=[minutes.pk]) in detail
    response = client.get(reverse("meetings:minutes-ofd", args=[minutes.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ofd"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".ofd" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"PK")
    client.get(reverse("meetings:minutes-pdf", args=[minutes.pk]))
    row = Distribution.objects.get(minutes=minutes, unit__name="旗民政局")
    assert row.download_count == 2 and Download.objects.filter(by=liaison).count() == 2


def test_a_unit_not_sent_the_minutes_gets_404_for_the_ofd(client, office, leader, liaison):
    minutes = services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    # Every member unit receives minutes; the 旗人民政府's own member account is not one of them.
    outsider = make_user("gov-member", Role.MEMBER, "旗人民政府")
    assert not minutes.distributions.filter(unit=outsider.unit).exists()
    client.force_login(outsider)
    assert client.get(reverse("meetings:minutes-ofd", args=[minutes.pk])).status_code == 404


def test_a_changed_ofd_file_is_refused(client, office, leader, liaison):
    minutes = services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    Path(minutes.ofd.path).write_bytes(b"PK tampered")
    client.force_login(liaison)
    assert client.get(reverse("meetings:minutes-ofd", args=[minutes.pk])).status_code == 409
    assert not Download.objects.exists()


def test_minutes_issued_before_the_ofd_copy_get_one_from_their_pdf(office, leader, liaison):
    minutes = services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    Minutes.objects.filter(pk=minutes.pk).update(ofd="", ofd_sha256="")  # as issued before
    out = io.StringIO()
    call_command("ofd_copies", stdout=out)
    minutes.refresh_from_db()
    assert minutes.ofd_sha256 and "共生成 1 份" in out.getvalue()
    assert hashlib.sha256(minutes.ofd.read()).hexdigest() == minutes.ofd_sha256
    call_command("ofd_copies", stdout=(out := io.StringIO()))
    assert "共生成 0 份" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_backups_hold_the_ofd_and_restore_checks_it(charter, tmp_path, office, leader, liaison):
    from django.db import connection

    from jiuzhu.backup import create_backup, file_hashes, issued_file_problems

    minutes = services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    media = Path(settings.MEDIA_ROOT)
    manifest = create_backup(tmp_path / "b.tar.gz", media_root=media)
    assert manifest["files"][minutes.ofd.name] == minutes.ofd_sha256
    assert issued_file_problems(connection, file_hashes(media)) == []
    Path(minutes.ofd.path).unlink()
    problems = issued_file_problems(connection, file_hashes(media))
    assert len(problems) == 1 and "OFD" in problems[0] and minutes.number_label in problems[0]


# --- what a reader shows ------------------------------------------------------------------------

DPI = 100
PX = DPI / 25.4  # pixels per mm


def draw_ofd_page(easy, n):
    """Page n as drawn from easyofd's reading with the package's own fonts (FreeType, through
    Pillow) — easyofd's own renderer ignores embedded fonts and asks for 宋体."""
    from easyofd.draw.draw_pdf import DrawPDF
    from PIL import Image, ImageDraw, ImageFont

    offsets = DrawPDF.__new__(DrawPDF).cmp_offset
    width, height = easy["page_size"][n][2:]
    image = Image.new("L", (round(width * PX), round(height * PX)), 255)
    draw = ImageDraw.Draw(image)
    page = easy["page_info"][n]
    for path in page["line_list"]:
        x0, y0 = path["pos"][:2]
        tokens = path["AbbreviatedData"].split()
        points = [
            (x0 + float(tokens[i + 1]), y0 + float(tokens[i + 2]))
            for i, t in enumerate(tokens)
            if t in ("M", "L")
        ]
        draw.polygon([(x * PX, y * PX) for x, y in points], fill=0)
    fonts = {key: base64.b64decode(f["font_b64"]) for key, f in easy["fonts"].items()}
    for t in page["text_list"]:
        xs = offsets(t["pos"][0], t["X"], t["DeltaX"], t["text"], {}, dire="X")
        y = t["pos"][1] + float(t["Y"])
        font = ImageFont.truetype(io.BytesIO(fonts[t["font"]]), round(t["size"] * PX))
        for char, x in zip(t["text"], xs, strict=False):
            draw.text((x * PX, y * PX), char, font=font, fill=0, anchor="ls")
    return image


def ink(image):
    return image.point(lambda v: 255 if v < 160 else 0).convert("1")


def black(mask) -> int:
    """How many pixels of a mask are set."""
    return mask.convert("L").histogram()[255]


def test_each_page_drawn_from_the_ofd_shows_the_ink_of_the_pdf_page(document, easy):
    import pypdfium2
    from PIL import ImageChops, ImageFilter

    pdf = pypdfium2.PdfDocument(document[0])
    for n in range(len(pdf)):
        want = ink(pdf[n].render(scale=DPI / 72).to_pil().convert("L"))
        got = ink(draw_ofd_page(easy, n).resize(want.size))
        # ink of one not within 2 px (0.5 mm) of ink of the other, both ways
        near_want = want.convert("L").filter(ImageFilter.MaxFilter(5)).convert("1")
        near_got = got.convert("L").filter(ImageFilter.MaxFilter(5)).convert("1")
        stray = ImageChops.logical_and(got, ImageChops.invert(near_want))
        missing = ImageChops.logical_and(want, ImageChops.invert(near_got))
        total = black(want)
        assert total > 5000
        for name, diff in (("stray", stray), ("missing", missing)):
            assert black(diff) / total < 0.002, (n, name, black(diff), total)  # measured ≤ 0.02 %


def test_every_embedded_glyph_has_its_side_bearing_at_its_outline(package):
    for name in package.namelist():
        if name.endswith(".ttf"):
            font = TTFont(io.BytesIO(package.read(name)))
            glyf, hmtx = font["glyf"], font["hmtx"]
            for glyph in font.getGlyphOrder():
                if glyf[glyph].numberOfContours:
                    assert hmtx[glyph][1] == glyf[glyph].xMin, (name, glyph)


def test_a_picture_becomes_an_image_object_where_the_pdf_puts_it():
    """None in today's minutes; a seal image, say, must not stop issuance or move."""
    import weasyprint
    from PIL import Image

    picture = Image.new("RGB", (40, 20), (230, 0, 18))
    picture.paste((0, 0, 255), (0, 0, 20, 10))  # the top-left quarter blue: shows orientation
    png = io.BytesIO()
    picture.save(png, "PNG")
    uri = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    pdf = weasyprint.HTML(
        string=f'<p>印章</p><img src="{uri}" style="position:absolute;left:30mm;top:50mm;'
        'width:40mm;height:20mm">'
    ).write_pdf()
    package = zipfile.ZipFile(io.BytesIO(pdf_to_ofd(pdf)))
    image = xml(package, "Doc_0/Pages/Page_0/Content.xml").find(".//ofd:ImageObject", OFD)
    media = xml(package, "Doc_0/DocumentRes.xml").find(".//ofd:MultiMedia", OFD)
    assert media.get("ID") == image.get("ResourceID") and media.get("Type") == "Image"
    stored = Image.open(
        io.BytesIO(package.read(f"Doc_0/Res/{media.find('ofd:MediaFile', OFD).text}"))
    )
    assert stored.size == (40, 20) and stored.convert("RGB").getpixel((0, 0)) == (0, 0, 255)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        want = doc.pages[0].images[0]
    box = [float(v) for v in image.get("Boundary").split()]
    assert box == pytest.approx(
        [
            want["x0"] * MM_PER_PT,
            want["top"] * MM_PER_PT,
            (want["x1"] - want["x0"]) * MM_PER_PT,
            (want["bottom"] - want["top"]) * MM_PER_PT,
        ],
        abs=0.01,
    )
    assert image.get("CTM") == "40 0 0 20 0 0"  # upright: the unit square onto 40 × 20 mm


def test_a_file_that_is_no_readable_pdf_is_refused_with_a_chinese_reason():
    from meetings.ofd import OfdError

    with pytest.raises(OfdError, match="无法读取"):
        pdf_to_ofd(b"%PDF-1.7\n%cut short\n")


def test_objects_hold_their_children_in_the_order_of_the_standards_sequences(package):
    """CT_Text: FillColor?, StrokeColor?, (CGTransform*, TextCode)+; CT_Path: StrokeColor?,
    FillColor?, AbbreviatedData (GB/T 33190 Page.xsd / Definitions.xsd)."""
    text_order = {"FillColor": 0, "StrokeColor": 1, "CGTransform": 2, "TextCode": 2}
    path_order = {"StrokeColor": 0, "FillColor": 1, "AbbreviatedData": 2}
    for n in range(3):
        page = xml(package, f"Doc_0/Pages/Page_{n}/Content.xml")
        assert [c.tag.split("}")[1] for c in page] == ["Area", "Content"]
        for layer in page.iterfind("ofd:Content/ofd:Layer", OFD):
            assert layer.get("Type") == "Body"
            for obj in layer:
                kind = obj.tag.split("}")[1]
                order = {"TextObject": text_order, "PathObject": path_order}[kind]
                ranks = [order[c.tag.split("}")[1]] for c in obj]
                assert ranks == sorted(ranks), kind
                last = obj[-1].tag.split("}")[1]
                assert last == ("TextCode" if kind == "TextObject" else "AbbreviatedData")
                assert all(obj.get(a) for a in ("ID", "Boundary"))


def test_the_verify_page_recognises_the_ofd_copy_and_a_changed_one(client, office, leader, liaison):
    from meetings.verification import Outcome, verify_digest, verify_file

    minutes = services.issue_minutes(approved_minutes(office, leader, liaison), by=office)
    data = minutes.ofd.read()
    verdict = verify_file(data)
    assert verdict.ok and "OFD 副本" in verdict.message
    assert verify_digest(minutes.year, minutes.number, minutes.ofd_sha256).ok
    changed = data[:-1] + bytes([data[-1] ^ 1])
    assert verify_file(changed).outcome == Outcome.UNKNOWN
    client.force_login(liaison)
    page = client.post(
        reverse("meetings:minutes-verify"),
        {"mode": "file", "file": SimpleUploadedFile("纪要.ofd", data)},
    ).content.decode()
    assert "OFD 副本" in page and "文件完整" in page
