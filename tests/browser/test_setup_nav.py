"""The set-up pages' two rows of tabs, and the rows of employees and members that open, in
Chromium at phone and desktop widths."""

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from tests.browser.conftest import DESKTOP, PHONE, BrowserProblems, NewContext
from tests.browser.helpers import sign_in
from tests.browser.test_screens import assert_no_horizontal_scroll
from tests.factories import make_world

pytestmark = pytest.mark.browser

# A page of each group, and the group and page its tabs mark.
PAGES = [
    ("/admin/codes", "Codes & print", "Codes"),
    ("/admin/kiosks", "Codes & print", "Kiosks"),
    ("/admin/employees", "Places & people", "Employees"),
    ("/admin/card-texts", "Card", "Card texts"),
    ("/admin/alerts/webhooks", "Alerts", "Webhooks"),
    ("/admin/data", "Organisation", "Data"),
]


def group_rows(page: Page) -> int:
    """How many rows the groups' bar takes: the distinct tops of its links."""
    tops = page.locator(".setup-groups a").evaluate_all(
        "links => links.map(link => Math.round(link.getBoundingClientRect().top))"
    )
    return len(set(tops))


def assert_one_row(page: Page) -> None:
    bar = page.locator(".setup-groups").bounding_box()
    link = page.locator(".setup-groups a").first.bounding_box()
    assert bar is not None
    assert link is not None
    assert group_rows(page) == 1, f"{page.url}: the groups wrap"
    # The bar is one link high (and its padding), not two.
    assert bar["height"] < link["height"] * 1.5, (bar["height"], link["height"])


def assert_marked(page: Page, group: str, current: str) -> None:
    groups = page.locator(".setup-groups a[aria-current]")
    expect(groups).to_have_count(1)
    expect(groups).to_have_text(group)
    expect(groups).to_have_attribute("aria-current", "true")
    pages = page.locator(".setup-pages a[aria-current]")
    expect(pages).to_have_count(1)
    expect(pages).to_have_text(current)
    expect(pages).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("list", name=group)).to_be_visible()


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_the_groups_fit_on_one_row_and_mark_where_you_are(
    live_db: Session, new_context: NewContext, browser_problems: BrowserProblems, device: str
) -> None:
    world = make_world(live_db, name=f"Tabs Café {device}")
    page = new_context(**(PHONE if device == "phone" else DESKTOP)).new_page()
    sign_in(page, world.owner_email, world.password)
    for path, group, current in PAGES:
        page.goto(path)
        assert_marked(page, group, current)
        assert_one_row(page)
        if device == "phone":
            assert_no_horizontal_scroll(page)
        else:
            # Five groups in a bar that leaves most of the desktop page's width free.
            bar = page.locator(".setup-groups").bounding_box()
            assert bar is not None
            assert bar["width"] < 900
    assert browser_problems.messages == []


def test_the_tabs_work_without_javascript(live_db: Session, new_context: NewContext) -> None:
    world = make_world(live_db, name="No Script Café")
    page = new_context(**PHONE, java_script_enabled=False).new_page()
    sign_in(page, world.owner_email, world.password)
    page.goto("/admin/codes")
    page.locator(".setup-groups").get_by_role("link", name="Alerts").click()
    expect(page).to_have_url("/admin/alerts")
    assert_marked(page, "Alerts", "Routing")
    page.locator(".setup-pages").get_by_role("link", name="Failed deliveries").click()
    expect(page).to_have_url("/admin/alerts/deliveries")
    assert_marked(page, "Alerts", "Failed deliveries")


def test_an_employee_row_opens_from_the_keyboard(
    live_db: Session, new_context: NewContext, browser_problems: BrowserProblems
) -> None:
    world = make_world(live_db, name="Keyboard Café")
    page = new_context(**DESKTOP).new_page()
    sign_in(page, world.owner_email, world.password)
    page.goto("/admin/employees")
    maya = page.locator("details.employee", has_text="Maya")
    row = maya.locator("summary")
    chevron = row.evaluate("row => getComputedStyle(row, '::after').borderBottomWidth")
    assert chevron == "2px"
    assert row.evaluate("row => getComputedStyle(row).cursor") == "pointer"
    name_field = maya.get_by_label("Name")
    expect(name_field).to_be_hidden()
    # Tab from the last field of the form above until the row has the focus.
    page.get_by_role("button", name="Add employee").focus()
    for _ in range(10):
        page.keyboard.press("Tab")
        if row.evaluate("row => row === document.activeElement"):
            break
    else:
        pytest.fail("Maya's row is not reached by the keyboard")
    page.keyboard.press("Enter")
    expect(name_field).to_be_visible()
    expect(name_field).to_have_value("Maya")
    assert browser_problems.messages == []
