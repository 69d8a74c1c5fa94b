"""Auth, rate limits and injected faults, seen by a plain HTTP client."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from airflow_provider_redex.sandbox import FaultSettings, WindowPolicy
from tests.helpers.sandbox_walks import TOKEN, Api, fast_config

DOCUMENTED_429 = {
    "Data": None,
    "Errors": None,
    "StatusCode": 429,
    "Message": "Rate limit exceeded",
    "Meta": None,
}


# --- auth ------------------------------------------------------------------------------------


def test_no_token_is_401_with_the_documented_body(anonymous_api: Api) -> None:
    answer = anonymous_api.call("accounts.get_profile")
    assert answer.status_code == 401
    assert answer.json() == {
        "Data": None,
        "Errors": None,
        "Meta": None,
        "StatusCode": 401,
        "Message": "Unauthorized",
    }


def test_unknown_token_is_401(sandbox: Any) -> None:
    assert Api(sandbox.url, "not-a-token").call("accounts.get_profile").status_code == 401


def test_api_key_grant_issues_a_token_that_expires(sandbox: Any, anonymous_api: Api) -> None:
    account = sandbox.admin("GET", "accounts")[0]
    body = {
        "ApiKey": account["ApiKey"],
        "GrantType": "api_key",
        "ClientId": account["ClientId"],
        "ClientSecret": account["ClientSecret"],
    }
    token = anonymous_api.call("auth.token", json=body).json()["Data"]
    assert token["TokenType"] == "Bearer" and token["ExpiresIn"] == 36  # 3600 s at time scale 0.01
    granted = Api(sandbox.url, token["AccessToken"])
    assert granted.call("accounts.get_profile").json()["Data"]["Id"] == account["AccountId"]
    sandbox.admin("POST", "clock/advance", {"Seconds": 37})
    assert granted.call("accounts.get_profile").status_code == 401


def test_wrong_client_secret_is_401(sandbox: Any, anonymous_api: Api) -> None:
    account = sandbox.admin("GET", "accounts")[0]
    body = {
        "ApiKey": account["ApiKey"],
        "GrantType": "api_key",
        "ClientId": account["ClientId"],
        "ClientSecret": "wrong",
    }
    assert anonymous_api.call("auth.token", json=body).status_code == 401


def test_body_breaking_a_documented_rule_is_400_naming_the_field(api: Api) -> None:
    answer = api.call(
        "beneficiaries.create",
        json={"BeneficiaryType": "Corporate", "BeneficiaryName": "X", "CountryCode": "VN"},
    )
    assert answer.status_code == 400
    fields = {error["Field"] for error in answer.json()["Errors"]}
    assert fields == {"CorporateName", "CorporateAddress"}


def test_unknown_resource_is_404(api: Api) -> None:
    answer = api.call(
        "retirements.get", path={"retirementApplicationId": "00000000-0000-4000-8000-000000000000"}
    )
    assert answer.status_code == 404 and answer.json()["Message"] == "Not found"


def test_upload_refuses_other_file_types(api: Api) -> None:
    answer = api.call("documents.upload", files={"File": ("run.exe", b"MZ", "application/octet-stream")})
    assert answer.status_code == 400 and answer.json()["Errors"][0]["Code"] == "UnsupportedFileType"


def test_both_upload_paths_work(sandbox: Any, api: Api) -> None:
    from airflow_provider_redex.client.routes import route

    for path in route("documents.upload").all_paths:
        answer = api.session.post(
            sandbox.url + path, files={"File": ("a.xlsx", b"PK..", "application/vnd.ms-excel")}
        )
        assert answer.status_code == 201 and answer.json()["Data"]["ValidationCode"]


# --- rate limits -----------------------------------------------------------------------------


def test_the_61st_request_in_a_window_gets_429_with_retry_after(start_sandbox: Any) -> None:
    running = start_sandbox(fast_config(time_scale=1.0))
    api = Api(running.url, TOKEN)
    answers = [api.call("exchange.list_markets") for _ in range(61)]
    assert [a.status_code for a in answers[:60]] == [200] * 60
    assert answers[60].status_code == 429
    assert 1 <= int(answers[60].headers["Retry-After"]) <= 60
    assert answers[60].json() == DOCUMENTED_429


def test_accounts_have_separate_budgets(start_sandbox: Any) -> None:
    running = start_sandbox(fast_config(time_scale=1.0, account_policy=WindowPolicy(3, 60)))
    first, second = Api(running.url, TOKEN), Api(running.url, "sandbox-other-account-token")
    assert [first.call("exchange.list_markets").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert second.call("exchange.list_markets").status_code == 200


def test_the_ip_policy_counts_every_request_of_the_address(start_sandbox: Any) -> None:
    running = start_sandbox(fast_config(time_scale=1.0, ip_policy=WindowPolicy(2, 300)))
    assert [Api(running.url, None).call("accounts.get_profile").status_code for _ in range(3)] == [
        401,
        401,
        429,
    ]


def test_the_next_window_accepts_again_and_counters_show_each_window(start_sandbox: Any) -> None:
    running = start_sandbox(fast_config(time_scale=1.0, account_policy=WindowPolicy(2, 60)))
    api = Api(running.url, TOKEN)
    assert [api.call("exchange.list_markets").status_code for _ in range(3)] == [200, 200, 429]
    running.admin("POST", "clock/advance", {"Seconds": 60})
    assert api.call("exchange.list_markets").status_code == 200
    windows = next(iter(running.admin("GET", "counters")["RateLimits"]["PerAccount"].values()))
    assert [(w["Arrived"], w["Accepted"], w["Refused"]) for w in windows] == [(3, 2, 1), (1, 1, 0)]


# --- faults ----------------------------------------------------------------------------------


def test_injected_errors_answer_503(sandbox: Any, api: Api) -> None:
    sandbox.admin("PUT", "faults", {"ErrorRate": 1.0})
    answer = api.call("exchange.list_markets")
    assert answer.status_code == 503 and answer.json()["StatusCode"] == 503
    assert sandbox.admin("GET", "faults")["InjectedErrors"] == 1


def test_a_429_storm_refuses_everything_with_retry_after(sandbox: Any, api: Api) -> None:
    sandbox.admin("PUT", "faults", {"StormSeconds": 1000})
    answer = api.call("exchange.list_markets")
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) >= 1
    sandbox.admin("PUT", "faults", {})
    assert api.call("exchange.list_markets").status_code == 200


def test_a_dropped_connection_loses_the_answer_but_not_the_effect(sandbox: Any, api: Api) -> None:
    sandbox.admin("PUT", "faults", {"DropRate": 1.0})
    body = {
        "BeneficiaryType": "Personal",
        "BeneficiaryName": "Dropped",
        "CountryCode": "VN",
        "PersonalName": "D",
        "PersonalAddress": "A",
    }
    with pytest.raises(requests.ConnectionError):
        api.call("beneficiaries.create", json=body)
    sandbox.admin("PUT", "faults", {})
    names = [b["Name"] for b in api.call("beneficiaries.list").json()["Data"]]
    assert "Dropped" in names


def test_latency_is_injected_and_counted(sandbox: Any, api: Api) -> None:
    sandbox.admin("PUT", "faults", {"LatencySeconds": 1.0})
    assert api.call("exchange.list_markets").status_code == 200
    assert sandbox.admin("GET", "faults")["Delayed"] == 1


def test_faults_from_the_config_are_reproducible_with_a_seed(start_sandbox: Any) -> None:
    def statuses(seed: int) -> list[int]:
        running = start_sandbox(fast_config(seed=seed, faults=FaultSettings(error_rate=0.5)))
        api = Api(running.url, TOKEN)
        return [api.call("exchange.list_markets").status_code for _ in range(20)]

    first = statuses(7)
    assert first == statuses(7) and {200, 503} == set(first)


def test_admin_calls_are_never_counted_or_faulted(sandbox: Any) -> None:
    sandbox.admin("PUT", "faults", {"ErrorRate": 1.0})
    for _ in range(5):
        sandbox.admin("GET", "counters")
    assert sandbox.admin("GET", "counters")["RateLimits"]["PerIp"] == {}
