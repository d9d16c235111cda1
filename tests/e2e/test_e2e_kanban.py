"""The kanban of orders: dragging a card to another column moves the order (the
database says so), and a move that a constraint refuses puts the card back with the
error shown."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def stage_id(shop, name: str) -> int:
    with shop.database.env() as env:
        return env.ref(f"web_shop.stage_{name.lower()}").id


def column(page: Page, shop, name: str):
    return page.locator(f"section[data-column='{stage_id(shop, name)}']")


def card(page: Page, order_id: int):
    return page.locator(f"li[data-card][data-id='{order_id}']")


def test_dragging_a_card_moves_the_order(page: Page, shop):
    order_id, name = shop.order(stage_id=stage_id(shop, "New"),
                                lines=(("Chair", 1, 10.0),))
    page.goto(shop.list_url("orders", view="kanban"))
    expect(column(page, shop, "New").locator(f"li[data-id='{order_id}']")).to_contain_text(name)
    count = column(page, shop, "Proposal").locator("[data-count]")
    before = int(count.inner_text())

    page.drag_and_drop(f"li[data-id='{order_id}'] .kb-body",
                       f"section[data-column='{stage_id(shop, 'Proposal')}'] [data-cards]")

    expect(column(page, shop, "Proposal").locator(f"li[data-id='{order_id}']")).to_have_attribute(
        "data-moved", str(stage_id(shop, "Proposal")))
    expect(count).to_have_text(str(before + 1))
    # the "Move to" form of the card now offers the column it came from
    expect(card(page, order_id).locator("select[name='value'] option")).to_contain_text(["New"])
    assert shop.read("ws.order", order_id, ["stage_id"])["stage_id"][0] == \
        stage_id(shop, "Proposal")


def test_a_refused_move_snaps_back_with_the_error(page: Page, shop):
    order_id, _name = shop.order(stage_id=stage_id(shop, "New"))  # no line: cannot be won
    page.goto(shop.list_url("orders", view="kanban"))
    page.drag_and_drop(f"li[data-id='{order_id}'] .kb-body",
                       f"section[data-column='{stage_id(shop, 'Won')}'] [data-cards]")
    expect(page.locator("[data-kanban-error]")).to_contain_text("cannot be won")
    expect(column(page, shop, "New").locator(f"li[data-id='{order_id}']")).to_have_count(1)
    expect(card(page, order_id)).not_to_have_attribute("aria-busy", "true")
    assert shop.read("ws.order", order_id, ["stage_id"])["stage_id"][0] == stage_id(shop, "New")
