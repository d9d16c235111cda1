"""The data of the web client benchmark (bench/web.py): `populate(env, ...)`.

Small tables, users and orders go through the ORM's batch create; the partners and their
tags (the bulk) through SQLAlchemy Core executemany on the ORM's own tables. Every value
is a function of the record's number, so two runs hold the same data.
"""

import datetime as dt

import sqlalchemy as sa

FAMILY = ["Nguyen", "Tran", "Le", "Pham", "Hoang", "Huynh", "Phan", "Vu", "Vo", "Dang"]
GIVEN = ["An", "Binh", "Chi", "Dung", "Giang", "Ha", "Hai", "Hanh", "Hoa", "Hung", "Khanh",
         "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Ngoc", "Phuong", "Quang"]
CITIES = ["Hanoi", "Ho Chi Minh City", "Da Nang", "Hai Phong", "Can Tho", "Hue", "Nha Trang",
          "Vung Tau", "Quy Nhon", "Da Lat"]
CHUNK = 10_000


def partner_row(i: int, countries, users, now) -> dict:
    """Partner number i (10 family names, so a name search finds 10 %): about 10 %
    without email, 2 % archived, 20 % without salesperson, spread over the countries."""
    return {"id": i + 1, "name": f"{FAMILY[i % 10]} {GIVEN[(i // 10) % 20]} {i:06d}",
            "email": None if (i // 13) % 10 == 7 else f"partner{i}@example.com",
            "city": CITIES[(i // 3) % len(CITIES)],
            "country_id": countries[(i // 7) % len(countries)],
            "user_id": None if i % 5 == 0 else users[(i // 11) % len(users)],
            "amount": (i * 7919) % 1_000_000 / 100, "active": (i // 17) % 50 != 1,
            "create_uid": 1, "write_uid": 1, "create_date": now, "write_date": now}


def populate(env, partners: int, orders: int, lines: int, login: str, password: str) -> int:
    """Fill an empty bench_web: 50 countries, 20 tags, 10 salespeople, the employee
    `login` (base.group_user, with `password`), `partners` partners with 0 to 3 tags each,
    and `orders` orders of `lines` lines. Returns the id of an order (the form page)."""
    employee = [(6, 0, [env.ref("base.group_user").id])]
    countries = env["bench.country"].create(
        [{"name": f"Country {k:02d}", "code": f"C{k:02d}"} for k in range(50)]).ids
    tags = env["bench.tag"].create([{"name": f"Tag {k:02d}"} for k in range(20)]).ids
    users = env["res.users"].create([{"name": f"Salesperson {k}", "login": f"sales{k}",
                                      "groups_id": employee} for k in range(10)]).ids
    env["res.users"].create({"name": "Bench Employee", "login": login, "password": password,
                             "groups_id": employee})
    table = env["bench.partner"]._sa_table
    rel = env.registry.metadata.tables["bench_partner_tag_rel"]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    conn = env.connection
    for chunk in range(0, partners, CHUNK):  # ids given: the table is new and empty
        numbers = range(chunk, min(chunk + CHUNK, partners))
        conn.execute(sa.insert(table), [partner_row(i, countries, users, now)
                                        for i in numbers])
        conn.execute(sa.insert(rel), [{"partner_id": i + 1, "tag_id": tags[(i + k * 7) % 20]}
                                      for i in numbers for k in range(i % 4)])
    if conn.dialect.name == "postgresql":  # move the id sequence past the given ids
        conn.exec_driver_sql("SELECT setval(pg_get_serial_sequence('bench_partner', 'id'), "
                             "(SELECT max(id) FROM bench_partner))")
    step = max(1, partners // orders)
    created = env["bench.order"].create([
        {"name": f"SO{k:05d}", "partner_id": 1 + k * step, "user_id": users[k % 10],
         "date_order": dt.date(2026, 1 + k % 12, 1 + k % 28), "state": "sale"}
        for k in range(orders)])
    # the lines in one batch: create() with (0, 0, vals) commands is ~100x slower today
    env["bench.order.line"].create([
        {"order_id": order_id, "sequence": j, "product": f"Product {j:02d}",
         "tag_id": tags[j % 20], "quantity": 1 + j % 5, "price": 10.0 + j}
        for order_id in created.ids for j in range(lines)])
    return created.ids[len(created) // 2]
