"""The inventory an audit saw, from Python (what ``consentkit report`` reads), in-process."""

from __future__ import annotations

from consentkit import ConsentMiddleware, ConsentWSGIMiddleware
from consentkit.cli.audit import audit

from ...support.apps import OPTIONS, asgi_app, wsgi_app

TRACKERS = {"_clck", "_uetsid", "_ttp", "hubspotutk", "_pk_id.1.abcd"}


def test_an_unwrapped_wsgi_app_leaks_and_its_inventory_is_classified() -> None:
    report = audit(wsgi_app, ["/trackers"])
    assert (report.interface, report.wrapped, report.passed) == ("wsgi", False, False)
    inventory = {c.name: c for c in report.inventory}
    assert set(inventory) == TRACKERS | {"sessionid", "csrftoken"}
    assert inventory["_ttp"].provider == "TikTok" and inventory["_ttp"].category == "marketing"
    assert inventory["csrftoken"].source == "framework"
    leaking = {c.classification.name for c in report.cookies if c.leaks}
    assert leaking == TRACKERS


def test_wrapped_apps_pass_through_their_own_endpoint() -> None:
    for app in (ConsentMiddleware(asgi_app, **OPTIONS), ConsentWSGIMiddleware(wsgi_app, **OPTIONS)):
        report = audit(app, ["/trackers"])
        assert report.wrapped and report.passed, report.as_json()
        reached = {c.classification.name: c.reached for c in report.cookies}
        assert reached["_clck"] == {"no_choice": False, "reject_all": False, "accept_all": True}
        assert all(reached["sessionid"].values())
