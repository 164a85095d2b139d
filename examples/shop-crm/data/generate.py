"""Write the example exports of the shop-crm integration beside this script (same output on every run).

A month of a small shop: orders in the shop (CSV, UTF-8) and as deals in the CRM (XLSX), payments from the
payment provider (JSON lines) and as posted in 1C accounting (CSV in Windows-1251 with «;» and a decimal
comma, as 1C writes it), and shipments of the delivery service (CSV, UTF-8 with BOM). Planted defects,
which ``specbook verify examples/shop-crm`` must find and nothing else:

- two different orders in the shop carry the same order number (``DUPLICATE_ORDER``);
- the CRM holds deals in a stage nobody mapped (``UNMAPPED_STATUS``);
- accounting holds one payment posted by hand that the provider never made, so the payments of
  ``OFF_DAY`` do not add up (by ``OFF_AMOUNT``).

Each export is written under the system's own field names and in its formats, as the spec's
``system_fields`` table declares them (read from ``spec.yaml`` beside this folder); a field the system
does not hold is left out; a dotted name is a nested key in JSON lines and a plain column name elsewhere.
Which system and entity each file holds comes from the spec's ``samples`` table.

Usage: ``python examples/shop-crm/data/generate.py [N_ORDERS] [OUT_DIR]``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import sys
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPEC_DIR = HERE.parent
SEED = 20261129
N_ORDERS = 2000
FIRST_DAY = dt.datetime(2026, 10, 1)
DAYS = 30
DUPLICATE_ORDER = "ИМ-040101"
UNMAPPED_STATUS = "На согласовании"
OFF_DAY = "2026-10-17"
OFF_AMOUNT = "5000.00"

ORDER_FIELDS = ["Номер заказа", "Дата заказа", "Номер клиента", "Сумма заказа", "Стоимость доставки", "Способ оплаты",
                "Способ доставки", "Получатель", "Телефон получателя", "Адрес доставки", "Статус заказа",
                "Статус доставки"]
PAYMENT_FIELDS = ["Идентификатор платежа", "Номер заказа", "Сумма платежа", "Комиссия сервиса", "Дата оплаты",
                  "Способ оплаты", "Статус платежа", "E-mail для чека"]
SHIPMENT_FIELDS = ["Трек-номер", "Номер заказа", "Статус доставки", "Дата изменения статуса",
                   "Плановая дата доставки", "Стоимость доставки по тарифу"]

# Status of an order: (shop value, CRM value, delivery status in the shop, in the CRM, in the delivery service)
ORDER_STAGES = [
    ("Принят, ожидает оплаты", "Новый заказ", None),
    ("Оплачен, формируется к отправке", "Оплачен", ("Готовится к отправке", "Ждёт отгрузки", "Создан")),
    ("Передан в службу доставки", "В доставке", ("В пути", "В пути", "В пути")),
    ("Передан в службу доставки", "В доставке", ("Курьер везёт заказ", "У курьера", "Выдан курьеру на доставку")),
    ("Передан в службу доставки", "В доставке", ("Ждёт вас в пункте выдачи", "В пункте выдачи", "Готов к выдаче")),
    ("Выполнен", "Успешно реализован", ("Получен", "Вручено", "Вручен")),
    ("Выполнен", "Успешно реализован", ("Получен", "Вручено", "Вручен")),
    ("Выполнен", "Успешно реализован", ("Получен", "Вручено", "Вручен")),
    ("Отменён", "Закрыт: отмена", None),
    ("Возврат", "Закрыт: возврат", ("Не вручен, возвращается в магазин", "Возврат от службы доставки",
                                    "Возврат отправителю")),
]
IN_TRANSIT = ["Принят на склад", "В пути", "Прибыл в город получателя"]
FIRST = ["Елена", "Андрей", "Ольга", "Сергей", "Мария", "Дмитрий", "Анна", "Игорь", "Татьяна", "Павел"]
LAST = [("Смирнов", "Смирнова"), ("Иванов", "Иванова"), ("Кузнецов", "Кузнецова"), ("Попов", "Попова"),
        ("Соколов", "Соколова"), ("Лебедев", "Лебедева"), ("Новиков", "Новикова"), ("Морозов", "Морозова")]
STREETS = ["ул. Лесная", "ул. Садовая", "пр. Мира", "ул. Гагарина", "Ленинский пр.", "ул. Школьная"]
MALE = {"Андрей", "Сергей", "Дмитрий", "Игорь", "Павел"}


def _money(value: float) -> str:
    return f"{value:.2f}"


def _phone_national(digits: str) -> str:
    return f"8 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}"


def build(n_orders: int = N_ORDERS, seed: int = SEED, defects: bool = True) -> dict[str, list[dict[str, str]]]:
    rnd = random.Random(seed)
    orders, deals, payments, accounting, shipments = [], [], [], [], []
    for i in range(n_orders):
        number = f"ИМ-{40001 + i:06d}"
        at = FIRST_DAY + dt.timedelta(days=i * DAYS // n_orders, minutes=rnd.randint(8 * 60, 23 * 60 - 1))
        first = rnd.choice(FIRST)
        last = rnd.choice(LAST)[0 if first in MALE else 1]
        name = f"{last} {first}"
        phone = f"9{rnd.randint(0, 99):02d}{rnd.randint(0, 9999999):07d}"
        address = f"г. Москва, {rnd.choice(STREETS)}, д. {rnd.randint(1, 120)}, кв. {rnd.randint(1, 300)}"
        courier = rnd.random() < 0.6
        delivery = 350.0 if courier else 0.0
        total = round(rnd.randint(500, 25000) + delivery + rnd.choice((0, 0.5, 0.9)), 2)
        online = rnd.random() < 0.7
        shop_status, crm_status, delivery_status = rnd.choice(ORDER_STAGES)
        if not online and shop_status.startswith("Оплачен"):
            shop_status, crm_status, delivery_status = ORDER_STAGES[0]
        client = f"К-{100000 + rnd.randint(0, 9999)}"
        order = {
            "Номер заказа": number, "Дата заказа": at.strftime("%d.%m.%Y %H:%M"), "Номер клиента": client,
            "Сумма заказа": _money(total), "Стоимость доставки": _money(delivery),
            "Способ оплаты": "Онлайн" if online else "При получении",
            "Способ доставки": "Курьер" if courier else "Пункт выдачи", "Получатель": name,
            "Телефон получателя": _phone_national(phone), "Адрес доставки": address,
            "Статус заказа": shop_status, "Статус доставки": delivery_status[0] if delivery_status else "",
        }
        orders.append(order)
        deals.append({**order, "Дата заказа": at.strftime("%Y-%m-%dT%H:%M:00+03:00"), "Сумма заказа": total,
                      "Стоимость доставки": delivery, "Телефон получателя": f"+7{phone}", "Статус заказа": crm_status,
                      "Статус доставки": delivery_status[1] if delivery_status else "",
                      "Номер клиента": client.split("-")[1]})
        if online and shop_status != "Принят, ожидает оплаты":
            paid = at + dt.timedelta(minutes=rnd.randint(1, 30))
            pid = str(uuid.UUID(int=rnd.getrandbits(128), version=4))
            fee = round(total * 0.028, 2)
            method = rnd.choice(("Карта", "СБП"))
            payments.append({
                "Идентификатор платежа": pid, "Номер заказа": number, "Сумма платежа": _money(total),
                "Комиссия сервиса": _money(fee), "Дата оплаты": paid.strftime("%Y-%m-%dT%H:%M:%S+03:00"),
                "Способ оплаты": method, "Статус платежа": "Успешный",
                "E-mail для чека": f"client{rnd.randint(1000, 99999)}@mail.ru",
            })
            accounting.append({
                "Идентификатор платежа": pid, "Номер заказа": number, "Сумма платежа": _money(total).replace(".", ","),
                "Комиссия сервиса": _money(fee).replace(".", ","), "Дата оплаты": paid.strftime("%d.%m.%Y %H:%M:%S"),
                "Способ оплаты": method, "Статус платежа": "Успешный",
            })
        if delivery_status:
            status = delivery_status[2]
            if status == "В пути":
                status = rnd.choice(IN_TRANSIT)
            changed = at + dt.timedelta(hours=rnd.randint(2, 72))
            shipments.append({
                "Трек-номер": str(1045200000 + i * 7), "Номер заказа": number, "Статус доставки": status,
                "Дата изменения статуса": changed.strftime("%Y-%m-%dT%H:%M:00+03:00"),
                "Плановая дата доставки": (at + dt.timedelta(days=3)).strftime("%Y-%m-%d"),
                "Стоимость доставки по тарифу": _money(290.0 if courier else 190.0),
            })
    if not defects:
        return {"orders": orders, "deals": deals, "payments": payments, "accounting": accounting,
                "shipments": shipments}
    # Defect 1: a second, different order got the number of an existing one (the CRM kept the first).
    twin = next(o for o in orders if o["Номер заказа"] == DUPLICATE_ORDER)
    repeat_at = n_orders * 2 // 3
    orders[repeat_at] = {**orders[repeat_at], "Номер заказа": DUPLICATE_ORDER}
    deals.pop(repeat_at)
    assert twin is not orders[repeat_at]
    # Defect 2: managers moved a few deals to a stage the status mapping does not know.
    for k in range(7, len(deals), len(deals) // 6):
        deals[k]["Статус заказа"] = UNMAPPED_STATUS
    # Defect 3: a payment posted by hand in accounting that the provider never made.
    day = dt.datetime.strptime(OFF_DAY, "%Y-%m-%d")
    at = next(i for i, p in enumerate(accounting) if p["Дата оплаты"].startswith(day.strftime("%d.%m.%Y")))
    manual = {**accounting[at], "Идентификатор платежа": "РУЧН-000001", "Сумма платежа": OFF_AMOUNT.replace(".", ","),
              "Комиссия сервиса": "0,00"}
    accounting.insert(at + 1, manual)
    return {"orders": orders, "deals": deals, "payments": payments, "accounting": accounting, "shipments": shipments}


def _columns(spec: object, system: str, entity: str, fields: list[str]) -> list[tuple[str, str]]:
    """``(spec field, the system's column)`` for each field the system holds, in the spec's own names."""
    from specbook.verify.adapter import column_for

    out = []
    for field in fields:
        name, _fmt = column_for(spec, system, entity, field)  # type: ignore[arg-type]
        if name is not None:
            out.append((field, name))
    return out


def _renamed(rows: list[dict[str, object]], columns: list[tuple[str, str]]) -> list[dict[str, object]]:
    return [{name: row[field] for field, name in columns} for row in rows]


def _nested(row: dict[str, object]) -> dict[str, object]:
    """``{"amount.value": "10.00"}`` → ``{"amount": {"value": "10.00"}}``, as a JSON API writes it."""
    out: dict[str, object] = {}
    for path, value in row.items():
        *parents, leaf = path.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})  # type: ignore[assignment]
        node[leaf] = value
    return out


def _csv(path: Path, fields: list[str], rows: list[dict[str, str]], encoding: str, delimiter: str) -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fields, delimiter=delimiter, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def _xlsx(path: Path, fields: list[str], rows: list[dict[str, object]]) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Сделки"
    sheet.append(fields)
    for row in rows:
        sheet.append([row[f] for f in fields])
    book.properties.created = book.properties.modified = dt.datetime(2026, 11, 1)
    book.save(path)


# Which rows of ``build`` each sample file of the spec holds, and the spec fields of its rows.
FILES = {
    "shop_orders.csv": ("orders", ORDER_FIELDS), "crm_deals.xlsx": ("deals", ORDER_FIELDS),
    "payments.jsonl": ("payments", PAYMENT_FIELDS), "accounting_payments.csv": ("accounting", PAYMENT_FIELDS),
    "delivery_shipments.csv": ("shipments", SHIPMENT_FIELDS),
}


def write(out: Path, n_orders: int = N_ORDERS, defects: bool = True, spec_dir: Path = SPEC_DIR) -> list[Path]:
    import specbook
    from specbook.model import table_records

    spec = specbook.load(spec_dir)
    data = build(n_orders, defects=defects)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for sample in table_records(spec["samples"]):
        filename = Path(str(sample["path"])).name
        key, fields = FILES[filename]
        columns = _columns(spec, str(sample["system"]), str(sample["entity"]), fields)
        rows = _renamed(data[key], columns)  # type: ignore[arg-type]
        header = [name for _field, name in columns]
        path = out / filename
        if filename.endswith(".xlsx"):
            _xlsx(path, header, rows)
        elif filename.endswith(".jsonl"):
            with path.open("w", encoding="utf-8", newline="\n") as fh:
                for row in rows:
                    record = _nested(row)
                    if isinstance(record.get("amount"), dict):
                        record["amount"]["currency"] = "RUB"  # type: ignore[index]
                    fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif key == "accounting":
            _csv(path, header, rows, "cp1251", ";")  # type: ignore[arg-type]
        else:
            _csv(path, header, rows, "utf-8-sig" if key == "shipments" else "utf-8", ",")  # type: ignore[arg-type]
        written.append(path)
    return written


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else N_ORDERS
    folder = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE
    for written in write(folder, count):
        print(written)
