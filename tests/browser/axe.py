"""axe-core in a Playwright page: the accessibility check every browser test runs (installed from
npm by `make assets`; a missing file fails the test rather than skipping the check)."""

from __future__ import annotations

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def axe_serious(page) -> list[dict]:
    """The page's critical and serious violations: id, impact and up to three offending nodes."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make assets` (npm ci) to install axe-core")
    # Through the DevTools protocol, not a <script> tag: the site's CSP stays in force.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
             .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"""
    )
    return [v for v in violations if v["impact"] in ("critical", "serious")]
