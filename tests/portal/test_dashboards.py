"""The operators' dashboards and the public open data: figures from SIB, the treasury, the
gateways and the survey, as SVG charts with a title, a description, a table and CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

from tenfold.ids import isikukood
from tenfold.portal.charts import Chart
from tenfold.portal.dashboards import _traffic, bucket_label
from tests.portal.conftest import FATHER, MOTHER, sign_in_citizen, sign_in_staff

BABY = isikukood.generate(date(2026, 1, 10), "M", 57)
METRICS = """# HELP exchange_messages_total Exchanges through this gateway
# TYPE exchange_messages_total counter
exchange_messages_total{role="provider",client="DEMO/GOV/SIB/benefits",service="DEMO/GOV/POP/registry/registry",status="200"} 41.0
exchange_messages_total{role="provider",client="DEMO/GOV/SIB/benefits",service="DEMO/GOV/POP/registry/registry",status="404"} 2.0
exchange_messages_total{role="consumer",client="DEMO/GOV/POP/registry",service="DEMO/GOV/SIB/benefits/inbox",status="202"} 7.0
"""


def test_a_chart_is_an_accessible_svg_with_its_figures_as_csv() -> None:
    chart = Chart("journeys", "Journeys per day", "Births handled each day", ["day", "without", "with"],
                  [["2026-01-01", 3, 1], ["2026-01-02", 5, 0]], series=["without", "with"])
    svg = str(chart.svg())
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="journeys-title journeys-desc"' in svg
    assert '<title id="journeys-title">Journeys per day</title>' in svg and "<desc" in svg
    assert svg.count("<rect") == 4 + 2  # four bars, two legend keys
    assert list(csv.reader(io.StringIO(chart.csv()))) == [["day", "without", "with"], ["2026-01-01", "3", "1"], ["2026-01-02", "5", "0"]]
    ranking = str(Chart("r", "Reasons", "Why", ["reason", "cases"], [["appeal", 2], ["<script>", 1]], kind="ranking").svg())
    assert "&lt;script&gt;" in ranking and "<script>" not in ranking


def test_gateway_metrics_count_what_each_member_served_as_provider() -> None:
    rows = _traffic("DEMO/GOV/POP", METRICS)
    assert sorted((r["status"], r["count"]) for r in rows) == [("200", 41), ("404", 2)]
    assert bucket_label(1000, 500) == "≤ 1 s" and bucket_label(None, 2_592_000_000) == "> 30 d"


def test_the_operator_sees_the_journey_on_the_dashboard(portal, client, sib) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    token = sign_in_citizen(portal, client)
    client.post(f"/offers/{offer}/confirm", data={"csrf_token": token})
    client.post(f"/offers/{offer}/feedback", data={"csrf_token": token, "score": "4"})
    sign_in_staff(portal, client, "mari", ["operator"])
    page = client.get("/operator")
    assert page.status_code == 200
    for title in ("Journeys per day", "From the offer to the confirmation", "Payment outcomes", "Exchange traffic by member and service",
                  "Data tracker volumes", "Satisfaction after confirming"):
        assert title in page.text
    assert "4.0" in page.text  # the satisfaction average
    assert page.text.count('role="img"') >= 8
    durations = client.get("/operator/data/duration-offer-to-confirm.csv")
    assert durations.status_code == 200 and durations.headers["content-type"].startswith("text/csv")
    assert sum(int(row[1]) for row in list(csv.reader(io.StringIO(durations.text)))[1:]) == 1
    outcomes = client.get("/operator/data/payment-outcomes.csv").text
    assert "settled,3,960.0" in outcomes
    assert client.get("/operator/data/made-up.csv").status_code == 404


def test_open_data_is_public_and_holds_no_person(portal, client, sib) -> None:
    offer = sib.make_offer(MOTHER, FATHER, BABY)
    token = sign_in_citizen(portal, client)
    client.post(f"/offers/{offer}/confirm", data={"csrf_token": token})
    client.cookies.clear()
    page = client.get("/open-data")
    assert page.status_code == 200 and "Journeys per day" in page.text and "Exchange traffic" not in page.text
    figures = client.get("/open-data/figures.json")
    assert figures.status_code == 200 and figures.json()["payments"]["settled"]["count"] == 3
    for text in (page.text, figures.text, client.get("/open-data/journeys-per-day.csv").text):
        assert MOTHER not in text and FATHER not in text and BABY not in text and offer not in text
