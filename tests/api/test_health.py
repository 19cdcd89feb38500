import httpx


async def test_liveness_needs_no_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_checks_the_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}
    assert response.headers["x-request-id"]


async def test_api_docs_need_no_token(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs/")
    assert page.status_code == 200
    assert "swagger" in page.text.lower()
    document = await client.get("/docs/openapi.json")
    assert document.status_code == 200
    assert document.json()["info"]["title"] == "NHS Directors' Fit-and-Proper Register"
