"""A partner's statement as a PDF: the same figures and lines as its page and XLSX, in the
invoices' DejaVu Sans (Cyrillic renders), landscape A4.

The words come translated and the amounts formatted by the caller (``Texts``), so the PDF
says exactly what the page says in the reader's language.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from callcenter.i18n import N_
from callcenter.invoices.pdf import register_fonts
from callcenter.partners.statements import StatementLine, StatementView

FIGURES = (
    (N_("Accrued in the month"), "accrued"),
    (N_("Reversed in the month"), "reversed"),
    (N_("Held until delivery"), "held"),
    (N_("Payable"), "payable"),
    (N_("Paid against this statement"), "paid"),
)
COLUMNS = (
    N_("Date"), N_("Order"), N_("Level"), N_("Product group"), N_("Kind"), N_("Arithmetic"),
    N_("Amount"), N_("State"),
)  # fmt: skip
NOTE = N_(
    "Each line: base × rate = amount, rounded half up to the kopeck. The base is the order's"
    " amount without VAT (or its margin, where the plan says so and the catalog has costs) of"
    " the line's product group."
)
WIDTHS = (24, 30, 14, 34, 22, 80, 30, 22)  # mm, of 256 between the margins
# reportlab holds the whole document in memory while it lays it out (about 1 KB a line): a
# partner with hundreds of thousands of lines gets the first ones and the way to the rest
PDF_MAX_LINES = 20_000
CUT_SHORT = N_(
    "This PDF lists the first %(shown)s of the statement's %(total)s lines. The XLSX download"
    " of the statement has every line."
)


@dataclass(frozen=True)
class Texts:
    gettext: Callable[[str], str]
    money: Callable[[Decimal], str]
    day: Callable[[date], str]


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = register_fonts()
    base = ParagraphStyle("statement", fontName=regular, fontSize=8, leading=10)
    return {
        "text": base,
        "bold": ParagraphStyle("statement_bold", base, fontName=bold),
        "right": ParagraphStyle("statement_right", base, alignment=TA_RIGHT),
        "title": ParagraphStyle("statement_title", base, fontName=bold, fontSize=13, leading=16),
    }


def _figures(view: StatementView, t: Texts, styles: dict[str, ParagraphStyle]) -> Table:
    rows = [
        [Paragraph(escape(t.gettext(label)), styles["bold"]),
         Paragraph(escape(t.money(getattr(view, name))), styles["right"])]
        for label, name in FIGURES
    ]  # fmt: skip
    table = Table(rows, colWidths=(70 * mm, 40 * mm), hAlign="LEFT")
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    return table


def _lines(lines: list[StatementLine], t: Texts, styles: dict[str, ParagraphStyle]) -> Table:
    head = [Paragraph(escape(t.gettext(c)), styles["bold"]) for c in COLUMNS]
    rows: list[list[Flowable]] = [head]
    for line in lines:
        when = t.day(line.booked_on)
        if line.brought_forward:
            when += f" ({t.gettext('brought forward')})"
        cells = (
            when, line.order_number, str(line.level), line.group, t.gettext(line.kind),
            line.arithmetic,
        )  # fmt: skip
        rows.append(
            [Paragraph(escape(c), styles["text"]) for c in cells]
            + [Paragraph(escape(t.money(line.amount)), styles["right"])]
            + [Paragraph(escape(t.gettext(line.state)), styles["text"])]
        )
    table = Table(rows, colWidths=[w * mm for w in WIDTHS], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def statement_pdf(
    view: StatementView,
    batches: list[list[StatementLine]],
    *,
    code: str,
    name: str,
    texts: Texts,
) -> bytes:
    """The statement of ``view`` for partner ``code`` (``name``) as a PDF document, with the
    lines in ``batches`` (``view``'s own page of lines is not used): a table per batch, as
    reportlab splits one long table over pages in time that grows with its length. Fewer
    lines than the statement's (the caller reads at most ``PDF_MAX_LINES``) are said so, with
    the XLSX named for the rest."""
    styles = _styles()
    t = texts
    title = (
        f"{t.gettext('Statement')}: {code} {name}, {t.day(view.first_day)} – {t.day(view.last_day)}"
    )
    story: list[Flowable] = [
        Paragraph(escape(title), styles["title"]),
        Spacer(0, 4 * mm),
        _figures(view, t, styles),
        Spacer(0, 3 * mm),
        Paragraph(escape(t.gettext(NOTE)), styles["text"]),
        Spacer(0, 3 * mm),
    ]
    shown = sum(len(batch) for batch in batches)
    if view.line_count > shown:
        cut = t.gettext(CUT_SHORT) % {"shown": shown, "total": view.line_count}
        story += [Paragraph(escape(cut), styles["bold"]), Spacer(0, 3 * mm)]
    story += [_lines(batch, t, styles) for batch in batches if batch]
    if not any(batches):
        story.append(Paragraph(escape(t.gettext("No commission in this month.")), styles["text"]))
    if view.payouts:
        story += [Spacer(0, 4 * mm), Paragraph(escape(t.gettext("Payouts")), styles["bold"])]
        for payout in view.payouts:
            text = f"{t.day(payout.paid_on)}: {t.money(payout.amount)}"
            story.append(
                Paragraph(
                    escape(text + (f" — {payout.note}" if payout.note else "")), styles["text"]
                )
            )
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
    )
    document.build(story)
    return buffer.getvalue()
