import re


def test_every_response_says_how_long_django_took(client, db):
    response = client.get("/needs/")
    assert response.status_code == 200
    assert re.fullmatch(r"app;dur=\d+\.\d", response["Server-Timing"])


def test_server_timing_on_redirects_and_errors_too(client, db):
    assert "Server-Timing" in client.get("/deals/review/")  # redirect to the login page
    assert "Server-Timing" in client.get("/needs/999999/")  # 404
