"""The navigation bar stays on one line on the officer screens from 1280 px wide."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from tests.e2e.conftest import sign_in
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 1366])
def test_the_navigation_bar_does_not_wrap(new_context, org, officer, width):
    # The longest bar an officer gets: two organizations (the switcher) and a long name.
    officer.first_name, officer.last_name = "Alexandra", "Montgomery-Castellanos"
    officer.save(update_fields=["first_name", "last_name"])
    org.name = "Riverside Regional Health System"
    org.save(update_fields=["name"])
    MembershipFactory(
        user=officer, organization=OrganizationFactory(name="Lakeside Medical Center"), role=Role.OFFICER
    )
    page = new_context().new_page()
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, officer.username)
    items = page.locator("nav.app-navbar .navbar-brand, nav.app-navbar .nav-item")
    assert items.count() >= 9  # brand, six links, the switcher, the name, log out
    tops = {
        round(box["y"] + box["height"] / 2)
        for box in (items.nth(i).bounding_box() for i in range(items.count()))
    }
    assert max(tops) - min(tops) <= 4, f"items sit on several lines at {width} px: {sorted(tops)}"
    toggler = page.locator("nav.app-navbar .navbar-toggler")
    assert not toggler.is_visible()  # the full bar, not the collapsed menu
    nav = page.locator("nav.app-navbar").bounding_box()
    assert nav["height"] < 70
