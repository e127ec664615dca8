"""Tally rules against hand-worked examples, the .pb reader and writer, and the command."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from gongzhi.budgeting import pabulib
from gongzhi.budgeting.tally import equal_shares, greedy, tally

D = Decimal


def _approval(*ballots):
    return [dict.fromkeys(b, 1) for b in ballots]


# Budget 100. a 60 (5 votes), b 50 (4), c 40 (3), d 10 (1).
GREEDY_COSTS = {"a": D(60), "b": D(50), "c": D(40), "d": D(10)}
GREEDY_VOTES = _approval("abcd", "abc", "abc", "ab", "a")


def test_greedy_skips_what_does_not_fit_and_goes_on():
    r = greedy(list(GREEDY_COSTS), GREEDY_COSTS, GREEDY_VOTES, 100)
    assert r.selected == ["a", "c"] and r.cost == 100  # b (50) does not fit the 40 left; c does; d: 0 left
    assert r.explanations["b"] == "票数第 2，但剩余预算 40 元 不足其 50 元"
    assert r.explanations["a"].startswith("票数第 1（5 票），入选")


def test_greedy_no_skip_stops_at_the_first_that_does_not_fit():
    r = greedy(list(GREEDY_COSTS), GREEDY_COSTS, GREEDY_VOTES, 100, skip=False)
    assert r.selected == ["a"] and "停止" in r.explanations["c"]


def test_greedy_threshold():
    r = greedy(list(GREEDY_COSTS), GREEDY_COSTS, GREEDY_VOTES, 100, threshold=4)
    assert r.selected == ["a"]  # b does not fit, c (3 votes) and d (1) are under 4
    assert r.explanations["c"] == "得票 3，未达最低票数 4"


def test_ties_go_to_the_earlier_project():
    costs = {"x": D(60), "y": D(40)}
    r = greedy(["x", "y"], costs, _approval("xy", "xy"), 60)
    assert r.selected == ["x"]  # as pabutools' lexicographic tie-breaking; y (40) no longer fits


# Four voters, budget 100 (25 each). A 50 and B 50 approved by voters 1–3, C 25 by voter 4.
# Greedy: A, B (3 votes each) → 100. Equal shares: A (voters 1–3 pay 16.67 each), then B is out of
# reach (8.33 × 3 = 25 < 50) while voter 4 can pay C alone → {A, C}, 75; B would overrun the budget,
# so the outcome is exhaustive and the add-one completion changes nothing.
MES_COSTS = {"A": D(50), "B": D(50), "C": D(25)}
MES_VOTES = _approval("AB", "AB", "AB", "C")


def test_equal_shares_is_proportional_where_greedy_is_not():
    assert greedy(list(MES_COSTS), MES_COSTS, MES_VOTES, 100).selected == ["A", "B"]
    r = equal_shares(list(MES_COSTS), MES_COSTS, MES_VOTES, 100)
    assert r.selected == ["A", "C"] and r.cost == 75
    assert r.explanations["A"].startswith("第 1 轮入选") and r.explanations["C"].startswith("第 2 轮入选")
    assert r.explanations["B"] == "支持者剩余的预算份额合计 25 元，不足其 50 元"


def test_equal_shares_add_one_completion():
    # A 60 and C 40 approved by voters 1–3, B 40 by voter 4; budget 100 (25 each). With 25 each only A
    # is bought (voters 1–3 keep 5 each); raising every share by 1 until 34 lets them buy C too
    # (3 × 14 ≥ 40) while the outcome {A, C} = 100 still fits; at 40 voter 4 could buy B (140 > 100).
    costs = {"A": D(60), "B": D(40), "C": D(40)}
    votes = _approval("AC", "AC", "AC", "B")
    r = equal_shares(list(costs), costs, votes, 100)
    assert r.selected == ["A", "C"] and r.cost == 100


def test_cumulative_points_weigh_the_scores():
    costs = {"p": D(10), "q": D(10)}
    r = greedy(["p", "q"], costs, [{"p": 3, "q": 1}, {"q": 1}], 10)
    assert r.scores == {"p": 3, "q": 2} and r.selected == ["p"]


PB = """META
key;value
description;军门社区微实事（示例）
num_projects;3
num_votes;4
budget;100
vote_type;approval
rule;equalshares
PROJECTS
project_id;cost;votes;selected;name
A;50;3;1;楼道照明
B;50;3;0;健身器材
C;25;1;1;读书角
VOTES
voter_id;vote
1;A,B
2;A,B
3;A,B
4;C
"""


def test_reading_a_file_and_tallying_with_its_rule_reproduces_selected(tmp_path):
    e = pabulib.parse(PB)
    assert e.budget == 100 and len(e.votes) == 4
    assert tally(e).selected == e.selected_in_file() == ["A", "C"]
    # Write it back out and read it again: the same election.
    projects = [
        {
            "project_id": p,
            "cost": e.projects[p]["cost"],
            "votes": e.projects[p]["votes"],
            "selected": e.projects[p]["selected"],
            "name": e.projects[p]["name"],
        }
        for p in e.projects
    ]
    text = pabulib.dumps(e.meta, projects, [(str(i + 1), list(v), None) for i, v in enumerate(e.votes)])
    again = pabulib.parse(text)
    assert again.votes == e.votes and again.costs == e.costs and again.meta == e.meta


def test_command_json_and_rule_option(tmp_path, capsys):
    f = tmp_path / "junmen.pb"
    f.write_text(PB, encoding="utf-8")
    call_command("budgeting_tally", str(f), "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["rule"] == "equalshares" and out["selected"] == ["A", "C"] and out["cost"] == 75
    call_command("budgeting_tally", str(f), "--rule", "greedy")
    assert capsys.readouterr().out.split() == ["A", "B"]


@pytest.mark.parametrize(
    "broken,line,words",
    [
        (PB.replace("C;25;1;1;读书角", "C;二十五;1;1;读书角"), 13, "不是数字"),
        (PB.replace("4;C", "4;Z"), 19, "不在 PROJECTS"),
        (PB.replace("2;A,B", "2;A,B;x"), 17, "列"),
        ("PROJECTS\nproject_id;name\n1;x\n", 2, "cost"),
        ("hello\n", 1, "META"),
        (PB.replace("budget;100", "budget;一百"), 6, "budget"),
    ],
)
def test_malformed_file_names_the_line(tmp_path, broken, line, words):
    f = tmp_path / "bad.pb"
    f.write_text(broken, encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("budgeting_tally", str(f))
    assert f"第 {line} 行" in str(exc.value) and words in str(exc.value)


def test_cumulative_and_ordinal_files():
    cum = PB.replace("vote_type;approval", "vote_type;cumulative").replace(
        "voter_id;vote", "voter_id;vote;points"
    )
    cum = (
        cum.replace("1;A,B\n", "1;A,B;2,1\n")
        .replace("2;A,B\n", "2;A,B;1,1\n")
        .replace("3;A,B\n", "3;A,B;1,1\n")
    )
    cum = cum.replace("4;C\n", "4;C;3\n")
    e = pabulib.parse(cum)
    assert e.votes[0] == {"A": 2, "B": 1} and e.votes[3] == {"C": 3}
    ordl = PB.replace("vote_type;approval", "vote_type;ordinal")
    e = pabulib.parse(ordl)
    assert e.votes[0] == {"A": 2, "B": 1}
    with pytest.raises(pabulib.PabulibError) as exc:
        pabulib.parse(PB.replace("vote_type;approval", "vote_type;choose-1"))
    assert exc.value.line == 16
