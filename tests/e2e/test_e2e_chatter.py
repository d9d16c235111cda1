"""The chatter in a browser: log a note, schedule an activity and mark it done, upload
an attachment and download it."""

import pytest
from playwright.sync_api import Page, expect

from tests.mail_support import use_config

pytestmark = pytest.mark.e2e


@pytest.fixture
def ticket(shop, monkeypatch, tmp_path):
    """A new unassigned ticket (sally may read and write it) and its form's URL; the
    filestore is a temporary folder."""
    use_config(monkeypatch, tmp_path)
    name = shop.unique("TICKET")
    with shop.database.env() as env:
        record = env["ws.ticket"].create({"name": name})
        return f"/web/ws.ticket/{record.id}", name


def messages(page: Page):
    return page.get_by_role("region", name="Messages").locator("li.message")


def test_post_a_note(page: Page, ticket):
    url, _name = ticket
    page.goto(url)
    expect(messages(page).first).to_contain_text("Ticket created")
    page.get_by_label("Internal note").fill("Customer called <b>twice</b>")
    page.get_by_role("button", name="Log", exact=True).click()
    expect(messages(page).first).to_contain_text("Customer called twice")
    expect(messages(page).first.locator(".author")).to_have_text("Sally Seller")
    expect(page.get_by_role("region", name="Followers")).to_contain_text("Sally Seller")
    expect(page.get_by_role("button", name="Unfollow")).to_be_visible()


def test_schedule_and_complete_an_activity(page: Page, ticket):
    url, name = ticket
    page.goto(url)
    page.get_by_role("button", name="Schedule activity").click()
    page.get_by_label("Activity type").select_option(label="Meeting")
    page.get_by_label("Summary").fill("Visit the site")
    page.get_by_label("Due date").fill("2020-05-04")
    page.get_by_role("button", name="Schedule", exact=True).click()
    activities = page.get_by_role("region", name="Activities")
    expect(activities).to_contain_text("Visit the site")
    expect(activities.locator(".state-badge")).to_have_text("Overdue")

    page.goto("/web/activities?state=overdue")
    item = page.locator("li.activity", has_text="Visit the site")
    expect(item.get_by_role("link", name=name)).to_have_attribute("href", url)
    item.get_by_role("button", name="Mark done").click()
    item.get_by_label("Feedback").fill("Went well")
    item.get_by_role("button", name="Done", exact=True).click()
    expect(page.locator("li.activity", has_text="Visit the site")).to_have_count(0)

    page.goto(url)
    expect(messages(page).first).to_contain_text("Meeting done: Visit the site")
    expect(messages(page).first).to_contain_text("Went well")
    expect(page.get_by_role("region", name="Activities")).to_have_count(0)


def test_upload_and_download_an_attachment(page: Page, ticket, tmp_path):
    url, _name = ticket
    page.goto(url)
    attachments = page.get_by_role("region", name="Attachments")
    expect(attachments.locator("[data-attachment-count]")).to_have_text("0")
    page.get_by_label("Attach files").set_input_files(
        files=[{"name": "report é.txt", "mimeType": "text/plain", "buffer": b"42 widgets"}])
    page.get_by_role("button", name="Upload").click()
    expect(attachments.locator("[data-attachment-count]")).to_have_text("1")
    with page.expect_download() as info:
        attachments.get_by_role("link", name="report é.txt").click()
    download = info.value
    assert download.suggested_filename == "report é.txt"
    target = tmp_path / "downloaded.txt"
    download.save_as(target)
    assert target.read_bytes() == b"42 widgets"
