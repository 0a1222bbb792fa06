"""The invoice as a PDF in the usual 1C layout, in DejaVu Sans (vendored: Cyrillic, №, «»).

Top to bottom: the bank block grid (with the payment QR beside it for rouble invoices), the
title, the parties, the numbered lines, the totals with one VAT row per rate, the summary with
the amount in words, the signatures.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from callcenter.invoices.figures import invoice_figures
from callcenter.invoices.models import Invoice
from callcenter.invoices.parties import party_line
from callcenter.invoices.qr import payment_purpose, payment_string, qr_matrix, vat_note
from callcenter.invoices.words import (
    amount_in_words,
    currency_short,
    format_amount,
    format_quantity,
    russian_date,
)

FONTS = Path(__file__).parent / "fonts"
WIDTH = A4[0] - 30 * mm - 12  # the frame keeps 6 points of padding each side
GRID = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black)])


@cache
def register_fonts() -> tuple[str, str]:
    """DejaVu Sans, regular and bold, registered once; their names (other PDFs use them too)."""
    pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", str(FONTS / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily("DejaVuSans", normal="DejaVuSans", bold="DejaVuSans-Bold")
    return "DejaVuSans", "DejaVuSans-Bold"


@cache
def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = register_fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=9, leading=11)
    return {
        "text": base,
        "small": ParagraphStyle("small", base, fontSize=7, leading=9),
        "bold": ParagraphStyle("bold", base, fontName=bold),
        "head": ParagraphStyle("head", base, fontName=bold, fontSize=8, alignment=TA_CENTER),
        "right": ParagraphStyle("right", base, alignment=TA_RIGHT),
        "right_bold": ParagraphStyle("right_bold", base, fontName=bold, alignment=TA_RIGHT),
        "title": ParagraphStyle("title", base, fontName=bold, fontSize=14, leading=18),
        "alert": ParagraphStyle("alert", base, fontName=bold, fontSize=12, textColor=colors.red),
    }


def _p(text: Any, style: str = "text") -> Paragraph:
    return Paragraph(escape(str(text if text is not None else "")), _styles()[style])


def _labelled(value: str, label: str) -> Paragraph:
    """A bank-block cell: the value, and under it the caption in small print."""
    small = _styles()["small"].fontSize
    return Paragraph(
        f"{escape(value)}<br/><font size={small}>{escape(label)}</font>", _styles()["text"]
    )


def _bank_block(seller: dict[str, Any], width: float) -> Table:
    inn = f"ИНН {seller.get('inn') or ''}"
    kpp = f"КПП {seller['kpp']}" if seller.get("kpp") else ""
    rows = [
        [
            _labelled(seller.get("bank_name") or "", "Банк получателя"),
            "",
            _p("БИК"),
            _p(seller.get("bik")),
        ],
        ["", "", _p("Сч. №"), _p(seller.get("corr_account"))],
        [_p(inn), _p(kpp), _p("Сч. №"), _p(seller.get("settlement_account"))],
        [_labelled(seller.get("name") or "", "Получатель"), "", "", ""],
    ]
    widths = [width * 0.28, width * 0.28, width * 0.1, width * 0.34]
    table = Table(rows, colWidths=widths)
    style = [
        ("SPAN", (0, 0), (1, 1)),
        ("SPAN", (2, 2), (2, 3)),
        ("SPAN", (3, 2), (3, 3)),
        ("SPAN", (0, 3), (1, 3)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if not kpp:
        style.append(("SPAN", (0, 2), (1, 2)))  # an ИП has no KPP
    table.setStyle(GRID)
    table.setStyle(TableStyle(style))
    return table


class _QrCode(Flowable):
    def __init__(self, matrix: list[list[bool]], size: float) -> None:
        super().__init__()
        self.matrix, self.size = matrix, size
        self.width = self.height = size

    def draw(self) -> None:
        """One filled path of horizontal runs of dark modules: a few hundred rectangles."""
        cell = self.size / len(self.matrix)
        path = self.canv.beginPath()
        for y, row in enumerate(self.matrix):
            top = self.size - (y + 1) * cell
            x = 0
            while x < len(row):
                if not row[x]:
                    x += 1
                    continue
                run = x
                while run < len(row) and row[run]:
                    run += 1
                path.rect(x * cell, top, (run - x) * cell, cell)
                x = run
        self.canv.setFillColor(colors.black)
        self.canv.drawPath(path, stroke=0, fill=1)


def _head(invoice: Invoice, rows: list[tuple[int, Any]]) -> Flowable:
    if invoice.currency != "RUB":
        return _bank_block(invoice.seller, WIDTH)
    purpose = payment_purpose(
        invoice.number, invoice.issued_on.strftime("%d.%m.%Y"), vat_note(rows, invoice.vat_mode)
    )
    kopecks = int(invoice.total * 100)
    qr = _QrCode(
        qr_matrix(payment_string(invoice.seller, kopecks=kopecks, purpose=purpose)), 30 * mm
    )
    table = Table(
        [[_bank_block(invoice.seller, WIDTH - 34 * mm), qr]], colWidths=[WIDTH - 32 * mm, 32 * mm]
    )
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    return table


def _parties(invoice: Invoice) -> Table:
    rows = [
        [_p("Поставщик (Исполнитель):"), _p(party_line(invoice.seller), "bold")],
        [_p("Покупатель (Заказчик):"), _p(party_line(invoice.buyer), "bold")],
    ]
    if invoice.basis:
        rows.append([_p("Основание:"), _p(invoice.basis, "bold")])
    table = Table(rows, colWidths=[38 * mm, WIDTH - 38 * mm])
    table.setStyle(
        TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    )
    return table


def _lines(invoice: Invoice) -> Table:
    with_discount = any(line.discount for line in invoice.lines)
    rates = {line.vat_rate for line in invoice.lines}
    with_rate = invoice.vat_mode != "none" and len(rates) > 1
    head = ["№", "Товары (работы, услуги)", "Кол-во", "Ед.", "Цена"]
    head += ["Скидка, %"] * with_discount + ["НДС"] * with_rate + ["Сумма"]
    rows: list[list[Any]] = [[_p(h, "head") for h in head]]
    for line in invoice.lines:
        row = [
            _p(line.n),
            _p(line.name),
            _p(format_quantity(line.quantity), "right"),
            _p(line.unit or "—"),
            _p(format_amount(line.price), "right"),
        ]
        if with_discount:
            row.append(_p(format_quantity(line.discount), "right"))
        if with_rate:
            row.append(_p(f"{line.vat_rate}%" if line.vat_rate is not None else "без НДС"))
        rows.append([*row, _p(format_amount(line.amount), "right")])
    widths = [8 * mm, 0, 17 * mm, 17 * mm, 24 * mm]
    widths += [18 * mm] * (with_discount + with_rate) + [26 * mm]
    widths[1] = WIDTH - sum(widths)  # the name takes what is left
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(GRID)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _totals(invoice: Invoice, rows: list[tuple[int, Any]]) -> Table:
    lines = [("Итого:", format_amount(invoice.lines_total))]
    if invoice.vat_mode == "none" or not rows:
        lines.append(("Без налога (НДС)", "—"))
    for rate, vat in rows:
        label = "В том числе НДС" if invoice.vat_mode == "included" else "НДС"
        lines.append((f"{label} ({rate}%):", format_amount(vat)))
    lines.append(("Всего к оплате:", format_amount(invoice.total)))
    table = Table(
        [[_p(label, "right_bold"), _p(value, "right_bold")] for label, value in lines],
        colWidths=[WIDTH - 30 * mm, 30 * mm],
    )
    table.setStyle(
        TableStyle([("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)])
    )
    return table


def _summary(invoice: Invoice) -> list[Flowable]:
    unit, total = currency_short(invoice.currency), format_amount(invoice.total)
    parts: list[Flowable] = [
        _p(f"Всего наименований {len(invoice.lines)}, на сумму {total} {unit}"),
        _p(amount_in_words(invoice.total, invoice.currency), "bold"),
    ]
    if invoice.vat_mode == "none" and invoice.vat_exempt_reason:
        parts.append(_p(f"НДС не облагается: {invoice.vat_exempt_reason}"))
    if invoice.due_on:
        parts.append(_p(f"Оплатить не позднее {russian_date(invoice.due_on)}"))
    return parts


def _signatures(seller: dict[str, Any]) -> Table:
    if seller.get("kind") == "sole_trader":
        people = [("Индивидуальный предприниматель", seller.get("director") or "")]
    else:
        people = [
            ("Руководитель", seller.get("director") or ""),
            ("Бухгалтер", seller.get("accountant") or ""),
        ]
    rows = [[_p(role, "bold"), "", _p(name)] for role, name in people]
    table = Table(rows, colWidths=[60 * mm, 45 * mm, WIDTH - 105 * mm], rowHeights=12 * mm)
    table.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (1, 0), (1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ]
        )
    )
    return table


def invoice_pdf(invoice: Invoice) -> bytes:
    """The printable invoice; needs ``invoice.lines`` loaded."""
    figures = invoice_figures(
        [(line.amount, line.vat_rate) for line in invoice.lines], invoice.vat_mode
    )
    rows = [(row.rate, row.vat) for row in figures.vat_rows]
    story: list[Flowable] = []
    if invoice.cancelled:
        story += [_p("СЧЁТ АННУЛИРОВАН", "alert"), Spacer(0, 3 * mm)]
    story += [
        _head(invoice, rows),
        Spacer(0, 6 * mm),
        _p(f"Счёт на оплату № {invoice.number} от {russian_date(invoice.issued_on)}", "title"),
        HRFlowable(width="100%", thickness=1.5, color=colors.black, spaceAfter=3 * mm),
        _parties(invoice),
        Spacer(0, 4 * mm),
        _lines(invoice),
        Spacer(0, 2 * mm),
        _totals(invoice, rows),
        Spacer(0, 3 * mm),
        *_summary(invoice),
        HRFlowable(width="100%", thickness=1.5, color=colors.black, spaceBefore=3 * mm),
        _signatures(invoice.seller),
    ]
    buffer = io.BytesIO()
    title = f"Счёт на оплату № {invoice.number} от {russian_date(invoice.issued_on)}"
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        author=invoice.seller.get("name") or "",
    )
    document.build(story)
    return buffer.getvalue()


def invoice_filename(invoice: Invoice) -> str:
    """An ASCII file name for downloads and e-mail attachments: ``invoice-2026-17.pdf``."""
    return f"invoice-{invoice.year}-{invoice.number}.pdf"
