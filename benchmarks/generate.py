"""Deterministic generator of large, realistic-shape specs for benchmarks and reliability tests.

``generate_spec(n_fields)`` builds a spec of about ``n_fields`` fields: ~n/500+2 systems, entities of
10–20 fields each, ownership (entity masters and field overrides), status mappings, one or two flows per
entity between a pair of systems, duplicate rules, acceptance scenarios whose steps cover every flow,
reconciliations, indicators, open points and sign-off; each field's name and format in both systems of its
entity and, per flow, the mapping of every field (with the conversion where the formats differ). The same
arguments always give the same spec.
"""

from __future__ import annotations

import random
from typing import Any

from specbook.definitions import CHOICES, FIELD_FORMATS, TRIGGER_PERIOD_MINUTES, conversions_between
from specbook.model import Goal, Project, Spec, make_table

_WORDS = {
    "en": {
        "system": "System",
        "entity": ("Order", "Client", "Payment", "Delivery", "Invoice", "Product", "Stock", "Return", "Request"),
        "field": ("number", "amount", "date", "phone", "email", "status", "comment", "address", "code", "total"),
        "status": ("new", "paid", "shipped", "delivered", "cancelled", "returned"),
        "meaning": "The {field} of the {entity}, as the customer's staff read it",
        "why": "Managers must see new {entity} records without copying them by hand",
        "success": "The {entity} appears in {target} with the status New",
        "notify": "Head of sales",
        "operator": "Retry the transfer from the operator console; if it fails again, call the contractor",
        "workaround": "Enter the {entity} by hand in {target}",
        "scenario": "Scenario",
        "step": "Create the {entity} in {source} and wait for {target}",
        "expected": "The {entity} shows up in {target}; amounts are equal",
        "reconciliation": "Reconciliation",
        "rule": "Totals of {entity} records in {source} and {target} agree at the end of the day",
        "indicator": ("Manual entry hours per day", "Lost orders per month", "Status complaints per week"),
        "owner": "Team lead of {system}",
        "project": "Shop ↔ CRM ↔ accounting integration",
        "problem": "Managers copy orders by hand and lose about five a month.",
    },
    "ru": {
        "system": "Система",
        "entity": ("Заказ", "Клиент", "Платёж", "Доставка", "Счёт", "Товар", "Остаток", "Возврат", "Заявка"),
        "field": ("номер", "сумма", "дата", "телефон", "почта", "статус", "комментарий", "адрес", "код", "итог"),
        "status": ("новый", "оплачен", "отгружен", "доставлен", "отменён", "возвращён"),
        "meaning": "Поле «{field}» сущности «{entity}», как его понимают сотрудники заказчика",
        "why": "Менеджеры должны видеть новые записи «{entity}» без ручного копирования",
        "success": "Запись «{entity}» появляется в {target} со статусом «Новый»",
        "notify": "Руководитель отдела продаж",
        "operator": "Повторить передачу из консоли оператора; при повторной ошибке позвонить подрядчику",
        "workaround": "Внести «{entity}» вручную в {target}",
        "scenario": "Сценарий",
        "step": "Создать «{entity}» в {source} и дождаться появления в {target}",
        "expected": "«{entity}» появляется в {target}; суммы совпадают",
        "reconciliation": "Сверка",
        "rule": "Итоги «{entity}» в {source} и {target} совпадают в конце дня",
        "indicator": ("Часы ручного ввода в день", "Потерянные заказы в месяц", "Жалобы на статус в неделю"),
        "owner": "Руководитель группы {system}",
        "project": "Интеграция магазин ↔ CRM ↔ учёт",
        "problem": "Менеджеры вручную переносят заказы и теряют около пяти в месяц.",
    },
}

_KINDS_BY_WORD = {0: "identifier", 1: "money", 2: "date", 3: "phone", 4: "email", 5: "choice", 6: "text",
                  7: "text", 8: "identifier", 9: "number"}


def generate_spec(n_fields: int, language: str = "en", seed: int = 20260126) -> Spec:
    """A valid-shaped spec with about ``n_fields`` fields (exactly ``n_fields`` when it is ≥ 10)."""
    rnd = random.Random(f"{seed}:{n_fields}:{language}")
    w: dict[str, Any] = _WORDS[language]
    n_systems = n_fields // 500 + 2
    kinds = CHOICES["system_kind"]
    systems = [
        {"name": f"{w['system']} {i + 1}", "kind": kinds[i % len(kinds)],
         "owner": w["owner"].format(system=i + 1), "contact": f"owner{i + 1}@example.com",
         "notes": "" if i % 3 else "Legacy system.\nExports once an hour: expect up to 60 minutes of delay."}
        for i in range(n_systems)
    ]
    system_names = [s["name"] for s in systems]

    # split n_fields into entities of 10..20 fields
    sizes: list[int] = []
    left = n_fields
    while left > 0:
        size = min(left, rnd.randint(10, 20))
        if 0 < left - size < 10 and sizes:  # fold a short tail into this entity
            size = left
        sizes.append(size)
        left -= size

    entities: list[dict[str, Any]] = []
    fields: list[dict[str, Any]] = []
    ownership: list[dict[str, Any]] = []
    statuses: list[dict[str, Any]] = []
    flows: list[dict[str, Any]] = []
    duplicates: list[dict[str, Any]] = []
    system_fields: list[dict[str, Any]] = []
    mappings: list[dict[str, Any]] = []
    triggers = [t for t in CHOICES["trigger"] if t != "on_demand"]

    for e, size in enumerate(sizes):
        entity = f"{w['entity'][e % len(w['entity'])]} {e + 1}"
        entities.append({"name": entity, "description": f"{entity}: {size}",
                         "on_conflict": "" if e % 7 == 0 else "The master system wins"})
        names: list[str] = []
        for f in range(size):
            word = f % len(w["field"])
            name = f"{w['field'][word]} {f + 1}" if f >= len(w["field"]) else w["field"][word]
            names.append(name)
            kind = _KINDS_BY_WORD[word]
            fields.append({
                "entity": entity, "name": name,
                "meaning": "" if rnd.random() < 0.05 else w["meaning"].format(field=name, entity=entity),
                "kind": kind, "required": f < 3 or rnd.random() < 0.3,
                "example": {"money": "1250.00", "date": "2026-01-26", "phone": "+7 900 000-00-00",
                            "email": "client@example.com", "number": "42"}.get(kind, f"{name} 17"),
                "personal": kind in ("phone", "email", "address") and rnd.random() < 0.95,
            })
        pair = rnd.sample(system_names, 2)
        extra = [s for s in rnd.sample(system_names, min(3, n_systems)) if s not in pair][:1]
        master, copy = pair
        ownership.append({"entity": entity, "field": "", "system": master, "role": "master"})
        ownership.append({"entity": entity, "field": "", "system": copy, "role": "copy"})
        for s in extra:
            ownership.append({"entity": entity, "field": "", "system": s, "role": "reads"})
        for name in rnd.sample(names, min(2, len(names))):
            ownership.append({"entity": entity, "field": name, "system": copy, "role": "master"})
            ownership.append({"entity": entity, "field": name, "system": master, "role": "edits"})
        for st in w["status"][: rnd.randint(3, len(w["status"]))]:
            for s in pair:
                statuses.append({"entity": entity, "status": st, "system": s,
                                 "value": "" if rnd.random() < 0.02 else f"{st.upper()}-{s[-1]}"})
        formats: dict[tuple[str, str], str] = {}
        for fld in fields[-size:]:
            for s in pair:
                fmt = rnd.choice(FIELD_FORMATS[fld["kind"]])
                formats[(fld["name"], s)] = fmt
                system_fields.append({"entity": entity, "field": fld["name"], "system": s,
                                      "name": f"{fld['name'].replace(' ', '_')}_{s[-1]}", "format": fmt,
                                      "absent": False, "note": ""})
        n_flows = 1 if rnd.random() < 0.6 else 2
        for k in range(n_flows):
            source, target = (master, copy) if k == 0 else (copy, master)
            trigger = rnd.choice(triggers)
            period = TRIGGER_PERIOD_MINUTES[trigger] or 0
            flows.append({
                "name": f"{entity}: {source} → {target}",
                "entity": entity, "source": source, "target": target,
                "action": ("create", "update", "create_or_update")[k % 3 if k else rnd.randint(0, 2)],
                "trigger": trigger, "volume_per_day": rnd.choice([None, 10, 200, 5000]),
                "max_delay_minutes": max(period, 5) * rnd.choice([1, 2, 3]),
                "why": w["why"].format(entity=entity),
                "success": w["success"].format(entity=entity, target=target),
                "notify": w["notify"], "notify_how": "e-mail",
                "operator_action": w["operator"],
                "stuck_after_minutes": max(period, 5) * 4,
                "workaround": w["workaround"].format(entity=entity, target=target),
            })
        for flow in flows[-n_flows:]:
            for fld in fields[-size:]:
                conversions = conversions_between(fld["kind"], formats[(fld["name"], flow["source"])],
                                                  formats[(fld["name"], flow["target"])])
                mappings.append({"flow": flow["name"], "field": fld["name"], "target_field": "",
                                 "conversion": conversions[0].code if conversions else "", "rule": "",
                                 "on_missing": "stop_notify" if fld["required"] else "", "default": ""})
        duplicates.append({"entity": entity, "key_fields": names[:1 + (e % 2)],
                           "on_repeat": ("ignore", "update", "reject")[e % 3], "note": ""})

    indicators = [{"name": name, "baseline": str(2 + i), "target": "0", "measured_by": w["notify"]}
                  for i, name in enumerate(w["indicator"])]
    coverable = [f["name"] for f in flows] + [i["name"] for i in indicators]
    scenarios: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    per_scenario = 8
    for s in range(0, len(coverable), per_scenario):
        scenario = f"{w['scenario']} {s // per_scenario + 1}"
        scenarios.append({"name": scenario, "description": f"{scenario}: {len(coverable[s:s + per_scenario])}"})
        for covers in coverable[s:s + per_scenario]:
            flow = next((f for f in flows[s:s + per_scenario] if f["name"] == covers), None)
            entity, source, target = ((flow["entity"], flow["source"], flow["target"]) if flow
                                      else (entities[0]["name"], system_names[0], system_names[1]))
            steps.append({"scenario": scenario, "action": w["step"].format(entity=entity, source=source,
                                                                           target=target),
                          "system": source, "covers": covers,
                          "expected": "" if rnd.random() < 0.01 else w["expected"].format(entity=entity,
                                                                                          target=target)})
    reconciliations = [
        {"name": f"{w['reconciliation']} {i + 1}", "covers": f["name"],
         "rule": w["rule"].format(entity=f["entity"], source=f["source"], target=f["target"])}
        for i, f in enumerate(flows[:: max(1, len(flows) // 20)])
    ]
    open_points = [{"location": f"flows[{f['name']}].stuck_after_minutes", "who": w["notify"], "note": ""}
                   for f in flows[:: max(1, len(flows) // 10)]]
    signoff = [{"role": "Customer", "name": "Anna Petrova", "organisation": "Shop", "date": "", "signed": False},
               {"role": "Contractor", "name": "Ivan Sidorov", "organisation": "Integrator", "date": "",
                "signed": False}]

    tables = {
        "indicators": indicators, "systems": systems, "entities": entities, "fields": fields,
        "ownership": ownership, "statuses": statuses, "flows": flows, "duplicates": duplicates,
        "system_fields": system_fields, "mappings": mappings,
        "scenarios": scenarios, "steps": steps, "reconciliations": reconciliations,
        "open_points": open_points, "signoff": signoff,
    }
    return Spec(
        language=language,
        project=Project(name=w["project"], customer="Shop LLC", contractor="Integrator LLC", version="1.0",
                        date="2026-01-26"),
        goal=Goal(primary="no_manual_entry", other="", problem=w["problem"]),
        tables={name: make_table(name, rows) for name, rows in tables.items()},
    )
