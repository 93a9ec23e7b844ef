"""Small real files for the demo library (khub/demo/library.py) and the benchmarks' sample files, built at
seed time from a heading and paragraphs, so that nothing binary is kept in the repository and each file
says what its title promises: a PDF whose pages hold the text (hand-built, as PDF readers open it), a Word
document (python-docx) and an Excel workbook (openpyxl), each what the library's content sniffing and text
extraction take.
"""

import io
import textwrap
import zlib

# A PDF page: A4 in points, with 2 cm margins; Helvetica at 11 points, 14 between lines.
PAGE_WIDTH, PAGE_HEIGHT = 595, 842
MARGIN = 57
LEADING = 14
LINE_CHARACTERS = 92  # what fits across the page at 11 points (Helvetica averages about half an em)
LINES_PER_PAGE = (PAGE_HEIGHT - 2 * MARGIN) // LEADING - 3  # less the heading's


def _pdf_string(text: str) -> bytes:
    """A PDF literal string: WinAnsi bytes (the fonts' encoding below), its delimiters escaped."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("cp1252", errors="replace") + b")"


def _page_stream(heading: str, lines: list[str]) -> bytes:
    top = PAGE_HEIGHT - MARGIN
    parts = [f"BT /F2 15 Tf {MARGIN} {top} Td ".encode() + _pdf_string(heading) + b" Tj ET"]
    parts.append(f"BT /F1 11 Tf {LEADING} TL {MARGIN} {top - 3 * LEADING} Td".encode())
    for line in lines:
        parts.append(_pdf_string(line) + b" Tj T*")
    parts.append(b"ET")
    return b"\n".join(parts)


def pdf_file(heading: str, paragraphs: list[str]) -> bytes:
    """A PDF of as many pages as the paragraphs take, each headed by `heading`, the text wrapped to the
    page. Helvetica (one of the fonts every reader has) in WinAnsi encoding: text outside it (Windows-1252)
    shows as "?"."""
    lines: list[str] = []
    for paragraph in paragraphs:
        lines += textwrap.wrap(paragraph, LINE_CHARACTERS) or [""]
        lines.append("")
    lines = lines[:-1] or [""]
    pages = [lines[start : start + LINES_PER_PAGE] for start in range(0, len(lines), LINES_PER_PAGE)]
    return pdf_pages([_page_stream(heading, page_lines) for page_lines in pages])


def text_stream(lines: list[str], *, size: int = 11) -> bytes:
    """A page's content stream: the lines in Helvetica from the top left, one under another."""
    top = PAGE_HEIGHT - MARGIN
    shown = b" T* ".join(_pdf_string(line) + b" Tj" for line in lines)
    return f"BT /F1 {size} Tf {LEADING} TL {MARGIN} {top} Td ".encode() + shown + b" ET"


def pdf_pages(streams: list[bytes], *, deflate: bool = False) -> bytes:
    """A PDF of one A4 page per content stream, with Helvetica as /F1 and Helvetica-Bold as /F2; each
    stream compressed (FlateDecode) if asked. Shared by the demo, the tests and the benchmarks."""
    # Objects: 1 catalog, 2 page tree, 3 and 4 the fonts, then each page and its content stream.
    fonts = "/Font << /F1 3 0 R /F2 4 0 R >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, once the pages' numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    ]
    kids = []
    for stream in streams:
        page, content = len(objects) + 1, len(objects) + 2
        kids.append(f"{page} 0 R")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
            f"/Contents {content} 0 R /Resources << {fonts} >> >>".encode()
        )
        filters = b""
        if deflate:
            stream, filters = zlib.compress(stream), b" /Filter /FlateDecode"
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(stream), filters) + stream + b"\nendstream")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")  # the second line marks the file as binary
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def word_file(heading: str, paragraphs: list[str]) -> bytes:
    """A Word document: the heading as its title, then the paragraphs; a paragraph starting "## " is a
    section heading and one starting "- " a bullet, as Word styles them."""
    import docx

    document = docx.Document()
    document.core_properties.title = heading
    document.add_heading(heading, level=0)
    for paragraph in paragraphs:
        if paragraph.startswith("## "):
            document.add_heading(paragraph[3:], level=1)
        elif paragraph.startswith("- "):
            document.add_paragraph(paragraph[2:], style="List Bullet")
        else:
            document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def spreadsheet_file(sheets: dict[str, list[list]]) -> bytes:
    """An Excel workbook with a sheet for each name, its rows as given (the first row bold: the headers).
    A string starting "=" is a formula, as Excel keeps it."""
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(title=name[:31])  # Excel's limit on a sheet's name
        for row in rows:
            sheet.append(list(row))
        for cell in sheet[1] if rows else ():
            cell.font = Font(bold=True)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
