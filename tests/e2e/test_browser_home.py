"""Home (/): what each page teaches, with links that work."""

from scipy.special import softmax


def test_links_lead_to_every_page(app):
    page = app.open("", charts=0)
    links = page.locator('[data-testid="stMain"] [data-testid="stPageLink"] a')
    links.first.wait_for()
    hrefs = [link.get_attribute("href") or "" for link in links.all()]
    targets = {href.rstrip("/").rsplit("/", 1)[-1] for href in hrefs}
    assert {"explore", "backward", "gradcheck", "stability"} <= targets

    page.locator('[data-testid="stMain"] [data-testid="stPageLink"]').filter(
        has_text="Explore"
    ).click()
    page.wait_for_url("**/explore*")
    app.settle(page)
    # The panel's default input is the classic example along the last axis.
    assert app.shows_array(page, softmax([[1.0, 2.0], [3.0, 4.0]], axis=1))
