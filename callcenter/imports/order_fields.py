"""The fields of an order row, with the headers people give them in Russian and English.

The orders export names its columns with these labels (or their translations, listed here
among the synonyms), so an exported file imports back as it is.
"""

from __future__ import annotations

from callcenter.i18n import N_
from callcenter.imports.targets import Cells, Field

NUMBER = Field(
    "number",
    N_("Order number"),
    ("Номер заказа", "№ заказа", "Заказ", "Номер", "№", "Order", "Order no", "Order #"),
)
FIELDS = (
    NUMBER,
    Field(
        "reference",
        N_("External reference"),
        ("Внешний номер", "Внешний код", "Внешний ID", "Номер сделки", "Ref", "Reference")
        + ("External ID", "Deal"),
    ),
    Field("date", N_("Order date"), ("Дата заказа", "Дата", "Создан", "Date", "Created")),
    Field(
        "client",
        N_("Client"),
        ("Клиент", "Покупатель", "Заказчик", "Контрагент", "ФИО", "Наименование клиента")
        + ("Customer", "Buyer", "Client name", "Customer name"),
    ),
    Field("client_inn", N_("Client's INN"), ("ИНН клиента", "ИНН", "INN", "TIN")),
    Field(
        "client_phone",
        N_("Client's phone"),
        ("Телефон клиента", "Телефон", "Тел", "Моб", "Phone", "Mobile", "Telephone"),
        multiple=True,
    ),
    Field(
        "client_email",
        N_("Client's e-mail"),
        ("E-mail клиента", "E-mail", "Email", "Эл. почта", "Почта", "Mail"),
        multiple=True,
    ),
    Field("status", N_("Status"), ("Статус", "Статус заказа", "Стадия", "Этап", "State", "Stage")),
    Field(
        "stage_due",
        N_("Stage deadline"),
        (
            "Срок этапа",
            "Срок стадии",
            "Срок",
            "Крайний срок",
            "Дедлайн",
            "Deadline",
            "Due",
            "Due date",
        ),
    ),
    Field("manager", N_("Manager"), ("Менеджер", "Ответственный", "Owner")),
    Field(
        "channel",
        N_("Channel"),
        ("Канал", "Канал привлечения", "Источник", "Source", "Acquisition channel"),
    ),
    Field("sku", N_("SKU"), ("Артикул", "Код товара", "Article", "Item code", "Product code")),
    Field(
        "product",
        N_("Item"),
        ("Товар", "Позиция", "Товар или услуга", "Наименование товара", "Номенклатура")
        + ("Услуга", "Наименование", "Product", "Description", "Goods"),
    ),
    Field("quantity", N_("Quantity"), ("Количество", "Кол-во", "Кол", "Qty")),
    Field("unit", N_("Unit"), ("Ед", "Ед. изм.", "Единица", "Единица измерения", "UoM")),
    Field("price", N_("Price"), ("Цена", "Цена за единицу", "Цена за ед", "Unit price")),
    Field(
        "discount",
        N_("Discount, %%"),
        ("Скидка", "Скидка %", "Скидка, %", "Discount", "Discount %"),
    ),
    Field("vat", N_("VAT"), ("НДС", "Ставка НДС", "VAT rate")),
    Field(
        "notes",
        N_("Notes"),
        ("Примечание", "Примечания", "Комментарий", "Заметки", "Comment", "Note"),
        multiple=True,
    ),
    Field("reason", N_("Reason"), ("Причина", "Причина отмены", "Cancellation reason")),
)
# the order form's line fields (``lines.<n>.<field>``) -> the row's fields
LINE_ERRORS = {
    "product_id": "sku",
    "description": "product",
    "quantity": "quantity",
    "price": "price",
    "discount_percent": "discount",
    "unit_code": "unit",
    "vat_rate": "vat",
}
_LABELS = {f.key: f.label for f in FIELDS}


def text_of(cells: Cells, key: str, sep: str = " ") -> str:
    return sep.join(t for _header, t in cells.get(key, []) if t).strip()


def header_of(cells: Cells, key: str) -> str:
    """The file's own header of the field's (first) column, else the field's label."""
    found = cells.get(key)
    return found[0][0] if found else _LABELS[key]
