"""The add-one completion of equal shares ends when the projects left that fit have no supporters."""

from decimal import Decimal

from gongzhi.budgeting.tally import equal_shares


def test_completion_ends_when_only_unsupported_projects_fit():
    projects = ["a", "b", "c"]
    costs = {"a": Decimal(60), "b": Decimal(30), "c": Decimal(10)}  # nobody votes for c, which fits
    votes = [{"a": 1}, {"a": 1}, {"b": 1}]
    result = equal_shares(projects, costs, votes, Decimal(100))
    assert set(result.selected) <= {"a", "b"}
    assert "c" not in result.selected
