"""Verify benchmark: ``python benchmarks/bench_verify.py [--rows 1000000]``.

Writes, into a temporary folder, exports of the shop-crm example with ROWS records per system: orders in the
shop (CSV, UTF-8) and in the CRM (CSV, other formats), payments at the provider (CSV) and in accounting
(CSV in Windows-1251 with «;» and a decimal comma). Then, each in a fresh child process so that memory
figures do not mix:

* the bare baseline: ``pd.read_csv`` of every file (types inferred, the default), its time, and the
  memory of the largest file's DataFrame (``memory_usage(deep=True)``);
* ``specbook.verify`` of the example spec over the same files: its time, and its peak memory as the rise
  of the process's peak RSS (VmHWM, reset to the current RSS through ``/proc/self/clear_refs`` once the
  spec is loaded, so that the imports' own peak does not count) over its RSS at that moment.

Times are CPU times of each child (both are single-threaded), so that other jobs on the machine do not
tilt the ratio; wall-clock times are printed beside them.

The exports carry each system's own column names and formats, as the example's ``system_fields`` declare.

Targets (issue 10): verify ≤ 2× the bare read's time; its peak memory ≤ 2× the largest file's DataFrame.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from specbook.model import Spec
from specbook.storage import load
from specbook.verify.adapter import column_for

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "examples" / "shop-crm"
TIME_RATIO = 2.0
MEMORY_RATIO = 2.0
SHOP_STATUSES = ["Принят, ожидает оплаты", "Оплачен, формируется к отправке", "Передан в службу доставки",
                 "Выполнен", "Отменён", "Возврат"]
CRM_STATUSES = ["Новый заказ", "Оплачен", "В доставке", "Успешно реализован", "Закрыт: отмена", "Закрыт: возврат"]
NAMES = np.array(["Смирнова Елена", "Иванов Андрей", "Кузнецова Ольга", "Попов Сергей", "Соколова Мария"])


def write_exports(folder: Path, rows: int, seed: int = 7) -> dict[str, Path]:
    """Four exports of ``rows`` records each, with numpy so that a million rows take seconds."""
    rnd = np.random.default_rng(seed)
    numbers = pd.Series([f"ИМ-{i:08d}" for i in range(rows)])
    start = np.datetime64("2026-10-01T08:00")
    at = pd.Series(start + rnd.integers(0, 30 * 24 * 60, rows).astype("timedelta64[m]"))
    total = np.round(rnd.integers(500, 25000, rows) + rnd.choice([0, 0.5, 0.9], rows), 2)
    status = rnd.integers(0, len(SHOP_STATUSES), rows)
    phone = rnd.integers(9_000_000_000, 9_999_999_999, rows).astype(str)
    phone_s = pd.Series(phone)
    courier = rnd.random(rows) < 0.6
    shop = pd.DataFrame({
        "Номер заказа": numbers,
        "Дата заказа": at.dt.strftime("%d.%m.%Y %H:%M"),
        "Номер клиента": pd.Series(rnd.integers(100000, 999999, rows).astype(str)).radd("К-"),
        "Сумма заказа": pd.Series(total).map("{:.2f}".format),
        "Способ оплаты": np.where(rnd.random(rows) < 0.7, "Онлайн", "При получении"),
        "Способ доставки": np.where(courier, "Курьер", "Пункт выдачи"),
        "Получатель": NAMES[rnd.integers(0, len(NAMES), rows)],
        "Телефон получателя": "8 (" + phone_s.str[:3] + ") " + phone_s.str[3:6] + "-" + phone_s.str[6:8] + "-"
        + phone_s.str[8:],
        "Адрес доставки": "г. Москва, ул. Лесная, д. " + pd.Series(rnd.integers(1, 200, rows).astype(str)),
        "Статус заказа": np.array(SHOP_STATUSES)[status],
    })
    crm = shop.assign(**{
        "Дата заказа": at.dt.strftime("%Y-%m-%dT%H:%M:00+03:00"),
        "Сумма заказа": total,
        "Номер клиента": shop["Номер клиента"].str[2:],  # the CRM's contact id: digits only
        "Телефон получателя": "+7" + phone_s,
        "Статус заказа": np.array(CRM_STATUSES)[status],
    })
    paid = at + pd.to_timedelta(rnd.integers(1, 30, rows), unit="m")
    ids = pd.Series([f"{i:08x}-000f-5000-8000-{i * 7919 % 16**12:012x}" for i in range(rows)])
    fee = np.round(total * 0.028, 2)
    provider = pd.DataFrame({
        "Идентификатор платежа": ids, "Номер заказа": numbers, "Сумма платежа": pd.Series(total).map("{:.2f}".format),
        "Комиссия сервиса": pd.Series(fee).map("{:.2f}".format),
        "Дата оплаты": paid.dt.strftime("%Y-%m-%dT%H:%M:%S+03:00"),
        "Способ оплаты": np.where(rnd.random(rows) < 0.5, "Карта", "СБП"), "Статус платежа": "Успешный",
    })
    accounting = provider.assign(**{
        "Сумма платежа": provider["Сумма платежа"].str.replace(".", ",", regex=False),
        "Комиссия сервиса": provider["Комиссия сервиса"].str.replace(".", ",", regex=False),
        "Дата оплаты": paid.dt.strftime("%d.%m.%Y %H:%M:%S"),
    })
    paths = {"Интернет-магазин:Заказ": folder / "shop_orders.csv", "CRM:Заказ": folder / "crm_deals.csv",
             "Платёжный сервис:Оплата": folder / "payments.csv", "Бухгалтерия:Оплата": folder / "accounting.csv"}
    spec = load(SPEC)
    _as_system(spec, "Интернет-магазин:Заказ", shop).to_csv(paths["Интернет-магазин:Заказ"], index=False)
    _as_system(spec, "CRM:Заказ", crm).to_csv(paths["CRM:Заказ"], index=False)
    _as_system(spec, "Платёжный сервис:Оплата", provider).to_csv(paths["Платёжный сервис:Оплата"], index=False)
    _as_system(spec, "Бухгалтерия:Оплата", accounting).to_csv(paths["Бухгалтерия:Оплата"], index=False, sep=";",
                                                              encoding="cp1251")
    return paths


def _as_system(spec: Spec, key: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The export under the system's own column names (the spec's ``system_fields``), without the fields it
    does not hold."""
    system, entity = key.split(":")
    names = {}
    for name in frame.columns:
        column, _fmt = column_for(spec, system, entity, name)
        if column is not None:
            names[name] = column
    return frame[list(names)].rename(columns=names)


_BARE = """
import json, sys, time
import pandas as pd
paths = json.loads(sys.argv[1])
start, cpu = time.perf_counter(), time.process_time()
largest = 0
for key, path in paths.items():
    sep, enc = (";", "cp1251") if "Бухгалтерия" in key else (",", "utf-8")
    frame = pd.read_csv(path, sep=sep, encoding=enc)
    largest = max(largest, int(frame.memory_usage(deep=True).sum()))
    del frame
print(json.dumps({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu, "largest_frame": largest}))
"""

_VERIFY = """
import json, sys, time
import pandas as pd
from specbook.storage import load
from specbook.verify import Sample, verify

def status(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
paths = json.loads(sys.argv[1])
spec = load(sys.argv[2])
samples = [Sample(*key.split(":"), path) for key, path in paths.items()]
# The peak so far (imports, loading the spec) is no part of verify's: reset the high-water mark to the
# current RSS ("5" to clear_refs, Linux 4.0+), so that VmHWM afterwards is the peak during verify alone.
# ru_maxrss is not used: it cannot be reset and a child starts with its forking parent's peak.
try:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    reset = True
except OSError:
    reset = False
base = status("VmRSS")
before = status("VmHWM")
start, cpu = time.perf_counter(), time.process_time()
report = verify(spec, samples)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = status("VmHWM")
print(json.dumps({"seconds": seconds, "cpu": cpu, "base_rss": base, "peak_rss": peak, "reset": reset,
                  "valid": reset or peak > before,
                  "findings": [f.code for f in report.findings], "rows": [f.rows for f in report.files]}))
"""


def _child(code: str, *args: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's specbook, not an installed one
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], capture_output=True, text=True,
                         check=False, cwd=ROOT, env=env)
    if out.returncode:
        raise SystemExit(f"benchmark child failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="records per system (default: 1000000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_exports(Path(tmp), args.rows)
        sizes = {k: p.stat().st_size for k, p in paths.items()}
        encoded = json.dumps({k: str(p) for k, p in paths.items()}, ensure_ascii=False)
        bare = _child(_BARE, encoded)
        result = _child(_VERIFY, encoded, str(SPEC))
    mb = 1024 * 1024
    rise = result["peak_rss"] - result["base_rss"]
    time_ratio = result["cpu"] / bare["cpu"]
    wall_ratio = result["seconds"] / bare["seconds"]
    memory_ratio = rise / bare["largest_frame"]
    print(f"rows per system: {args.rows:,}; files: {', '.join(f'{k} {v / mb:.0f} MB' for k, v in sizes.items())}")
    print(f"bare pd.read_csv of the 4 files: {bare['cpu']:.2f} s CPU ({bare['seconds']:.2f} s wall); largest DataFrame "
          f"{bare['largest_frame'] / mb:.0f} MB")
    print(f"specbook verify:                 {result['cpu']:.2f} s CPU ({result['seconds']:.2f} s wall); "
          f"peak RSS rise {rise / mb:.0f} MB "
          f"(base {result['base_rss'] / mb:.0f} MB)")
    print(f"findings: {result['findings'] or 'none'}; rows read: {result['rows']}")
    print(f"time   {time_ratio:.2f}× the bare read's CPU time (wall clock {wall_ratio:.2f}×)   "
          f"(target ≤ {TIME_RATIO}×)   "
          f"{'ok' if time_ratio <= TIME_RATIO else 'MISSED'}")
    if not result["valid"]:
        print("memory: the peak could not be told apart from the peak before verify (no clear_refs); not measured")
    print(f"memory {memory_ratio:.2f}× the largest DataFrame (target ≤ {MEMORY_RATIO}×)   "
          f"{'ok' if memory_ratio <= MEMORY_RATIO else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
