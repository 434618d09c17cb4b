"""The Excel side of 救助信息报送: a template per unit, and reading it back filled in.

The template lists the unit's indicators in rows (序号, 指标, 计量单位, 数值, 填报说明); the
liaison types the figures into column D. Reading it back checks every row and cell and collects
every error, each naming its row and indicator ("第5行 救助金额：不是数字"), so one upload tells
the liaison everything to fix; nothing is stored unless the whole file is valid.
"""

import io
import zipfile

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils.exceptions import InvalidFileException

from .figures import FigureError, parse_figure

HEADER = ["序号", "指标", "计量单位", "数值", "填报说明"]
HEADER_ROW = 2
FIRST_ROW = 3
VALUE_COLUMN = 4  # D
INPUT_FILL = PatternFill("solid", fgColor="FFF8DC")


def template_xlsx(report) -> bytes:
    lines = list(report.lines.select_related("indicator"))
    wb = Workbook()
    ws = wb.active
    ws.title = "信息报送"
    ws["A1"] = f"{report.round.title}社会救助信息报送 — {report.unit.name}"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:E1")
    for col, (name, width) in enumerate(zip(HEADER, (6, 30, 10, 18, 50), strict=True), 1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
        ws.column_dimensions[cell.column_letter].width = width
    for n, line in enumerate(lines, 1):
        row = HEADER_ROW + n
        indicator = line.indicator
        ws.cell(row=row, column=1, value=n)
        ws.cell(row=row, column=2, value=indicator.name)
        ws.cell(row=row, column=3, value=indicator.measure)
        value = ws.cell(row=row, column=VALUE_COLUMN, value=line.value)
        value.fill = INPUT_FILL
        value.number_format = "#,##0.00" if indicator.decimal_places else "#,##0"
        value.protection = Protection(locked=False)
        ws.cell(row=row, column=5, value=indicator.help_text)
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def read_filled(report, upload) -> tuple[dict[int, object], list[str]]:
    """{indicator id: value} from a filled-in template, and every error found (empty if none)."""
    lines = list(report.lines.select_related("indicator"))
    by_name = {line.indicator.name: line.indicator for line in lines}
    upload.seek(0)
    try:
        wb = load_workbook(io.BytesIO(upload.read()), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        return {}, ["无法读取该 Excel 文件，请使用本页下载的模板（.xlsx）填写。"]
    try:
        ws = wb.worksheets[0]
        rows = list(ws.iter_rows(min_row=1, max_col=5, values_only=True))
    finally:
        wb.close()
    errors: list[str] = []
    header = [
        str(v).strip() if v is not None else ""
        for v in (rows[HEADER_ROW - 1] if len(rows) >= HEADER_ROW else [])
    ]
    if header[:4] != HEADER[:4]:
        return {}, [
            f"第{HEADER_ROW}行应为表头“{'、'.join(HEADER[:4])}”，请使用本页下载的模板填写。"
        ]
    values: dict[int, object] = {}
    seen: set[str] = set()
    for row_number, row in enumerate(rows[FIRST_ROW - 1 :], FIRST_ROW):
        row = list(row) + [None] * (5 - len(row))
        name = str(row[1]).strip() if row[1] is not None else ""
        if not name:
            if row[VALUE_COLUMN - 1] not in (None, ""):
                errors.append(f"第{row_number}行 B列：缺少指标名称")
            continue
        indicator = by_name.get(name)
        if indicator is None:
            errors.append(f"第{row_number}行 B列：“{name[:30]}”不是本单位本次要报送的指标")
            continue
        if name in seen:
            errors.append(f"第{row_number}行 {name}：重复填报")
            continue
        seen.add(name)
        try:
            values[indicator.pk] = parse_figure(indicator, row[VALUE_COLUMN - 1])
        except FigureError as e:
            errors.append(f"第{row_number}行 {name}：{e}")
    for name in by_name:
        if name not in seen:
            errors.append(f"缺少指标“{name}”所在的行")
    return values, errors
