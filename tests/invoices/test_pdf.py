"""The PDF read back as text: figures, VAT rows, amount in words, parties; the payment QR."""

import io
import re
from datetime import date
from decimal import Decimal as D
from typing import Any

from pypdf import PdfReader

from callcenter.company.service import save_company
from callcenter.invoices.input import LineInput
from callcenter.invoices.pdf import invoice_filename, invoice_pdf
from callcenter.invoices.qr import payment_string, qr_matrix, vat_note
from callcenter.invoices.service import cancel_invoice, issue_invoice
from tests.invoices.support import add_client, set_up_company, sole_trader_input, three_lines


def pdf_text(data: bytes) -> str:
    """The text of every page, spaces (also no-break ones) and line breaks collapsed."""
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[\s\u00a0]+", " ", text)


async def _issued(db_session: Any, make_user: Any, **kw: Any) -> Any:
    admin = await make_user("admin")
    if kw.pop("sole_trader", False):
        await save_company(db_session, data=sole_trader_input(), actor=admin, region="RU")
        await db_session.commit()
    else:
        await set_up_company(db_session, admin)
    buyer = await add_client(db_session, admin)
    kw.setdefault("lines", three_lines())
    invoice = await issue_invoice(
        db_session, client_id=buyer.id, by=admin, issued_on=date(2026, 3, 5), **kw
    )
    await db_session.commit()
    return invoice


async def test_the_pdf_reads_as_the_usual_invoice(db_session: Any, make_user: Any) -> None:
    invoice = await _issued(db_session, make_user, basis="Договор № 5 от 01.02.2026")
    data = invoice_pdf(invoice)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in (
        "ПАО СБЕРБАНК г. Москва Банк получателя",
        "БИК 044525225",
        "Сч. № 30101810400000000225",
        "ИНН 7707083893 КПП 773601001",
        "Сч. № 40702810938000012345",
        "ПАО «Ромашка» Получатель",
        "Счёт на оплату № 1 от 5 марта 2026 г.",
        "Поставщик (Исполнитель):",
        "Покупатель (Заказчик): ООО «Вектор», ИНН 7736207543, КПП 770401001",
        "Основание: Договор № 5 от 01.02.2026",
        "№ Товары (работы, услуги) Кол-во Ед. Цена Сумма",
        "1 Монтаж системы 1 усл. ед 10 000,00 10 000,00",
        "2 Кабель UTP 10 м 150,00 1 500,00",
        "3 Коннектор RJ-45 7 шт 100,00 700,00",
        "Итого: 12 200,00",
        "В том числе НДС (22%): 2 200,00",
        "Всего к оплате: 12 200,00",
        "Всего наименований 3, на сумму 12 200,00 руб.",
        "Двенадцать тысяч двести рублей 00 копеек",
        "Руководитель Иванов И. И.",
        "Бухгалтер Петрова А. А.",
    ):
        assert expected in text, expected
    assert "АННУЛИРОВАН" not in text
    assert invoice_filename(invoice) == "invoice-2026-1.pdf"


async def test_vat_on_top_prints_a_row_per_rate_and_the_rate_of_each_line(
    db_session: Any, make_user: Any
) -> None:
    lines = [
        LineInput(name="Книга", quantity="3", price="333,33", vat_rate="10"),
        LineInput(name="Доставка", price="1 000", vat_rate="22", discount="5"),
    ]
    invoice = await _issued(db_session, make_user, lines=lines, vat_mode="on_top")
    text = pdf_text(invoice_pdf(invoice))
    assert "Скидка, % НДС Сумма" in text
    assert "1 Книга 3 шт 333,33 0 10% 999,99" in text
    assert "2 Доставка 1 шт 1 000,00 5 22% 950,00" in text
    assert "Итого: 1 949,99 НДС (22%): 209,00 НДС (10%): 100,00 Всего к оплате: 2 258,99" in text
    assert "Две тысячи двести пятьдесят восемь рублей 99 копеек" in text


async def test_a_sole_trader_without_vat_has_no_kpp_and_signs_alone(
    db_session: Any, make_user: Any
) -> None:
    invoice = await _issued(db_session, make_user, sole_trader=True, due_on=date(2026, 3, 15))
    assert invoice.vat_mode == "none" and invoice.total == D("12200.00")
    text = pdf_text(invoice_pdf(invoice))
    assert "ИНН 500100732259 Сч. № 40802810100000012345" in text
    assert "Поставщик (Исполнитель): ИП Сидоров Пётр Петрович, ИНН 500100732259, 117312" in text
    assert "Без налога (НДС) —" in text and "НДС не облагается: УСН, ст. 346.11 НК РФ" in text
    assert "Оплатить не позднее 15 марта 2026 г." in text
    assert "Индивидуальный предприниматель Сидоров П. П." in text
    assert "Руководитель" not in text and "Бухгалтер" not in text and "КПП" in text  # buyer's


async def test_a_cancelled_invoice_says_so(db_session: Any, make_user: Any) -> None:
    invoice = await _issued(db_session, make_user)
    admin = await make_user("admin")
    invoice = await cancel_invoice(db_session, invoice_id=invoice.id, by=admin)
    assert "СЧЁТ АННУЛИРОВАН" in pdf_text(invoice_pdf(invoice))


def test_the_payment_qr_string_follows_gost_56042() -> None:
    seller = {
        "name": "ПАО «Ромашка» | филиал",
        "settlement_account": "40702810938000012345",
        "bank_name": "ПАО СБЕРБАНК г. Москва",
        "bik": "044525225",
        "corr_account": "30101810400000000225",
        "inn": "7707083893",
        "kpp": "773601001",
    }
    purpose = "Оплата по счёту № 17 от 05.03.2026. " + vat_note([(22, D("2200.00"))], "included")
    assert payment_string(seller, kopecks=1220000, purpose=purpose) == (
        "ST00012|Name=ПАО «Ромашка» филиал|PersonalAcc=40702810938000012345"
        "|BankName=ПАО СБЕРБАНК г. Москва|BIC=044525225|CorrespAcc=30101810400000000225"
        "|PayeeINN=7707083893|KPP=773601001|Sum=1220000"
        "|Purpose=Оплата по счёту № 17 от 05.03.2026. В т.ч. НДС (22%) 2 200,00"
    )
    no_kpp = payment_string({**seller, "kpp": None}, kopecks=1, purpose="x")
    assert "|KPP=" not in no_kpp and no_kpp.endswith("|Sum=1|Purpose=x")
    assert vat_note([], "none") == "Без НДС"
    matrix = qr_matrix(no_kpp)
    assert len(matrix) == len(matrix[0]) >= 21 and any(any(row) for row in matrix)
