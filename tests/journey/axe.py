"""axe-core in the browser: load it into a Playwright context and list the serious and critical
accessibility violations of a page.

``make test`` installs axe-core from the npm registry into ``.cache/axe`` (nothing is fetched at
run time).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import _unavailable

AXE_SCRIPT = Path(__file__).resolve().parents[2] / ".cache/axe/node_modules/axe-core/axe.min.js"
BLOCKING = ("serious", "critical")
SHOWN_TARGETS = 4

RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(" ")),
    why: v.nodes[0].failureSummary,
  }));
}"""


def install_axe(context: Any) -> None:
    """Load axe-core into every page ``context`` opens from now on.

    An init script (``add_init_script``) is evaluated by the browser itself, not added to the
    page as a ``<script>`` element, so the app's Content-Security-Policy (``script-src 'self'``)
    does not block it: the pages are scanned under their real CSP, without ``bypass_csp``.
    """
    if not AXE_SCRIPT.exists():
        _unavailable(
            f"axe-core at {AXE_SCRIPT} (make test installs it)", "SYMPOSIUM_REQUIRE_BROWSER"
        )
    context.add_init_script(path=str(AXE_SCRIPT))


def blocking_violations(page: Any) -> list[dict[str, Any]]:
    """The violations of the page as it is now whose impact is serious or critical."""
    return [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]


def describe(page_name: str, violations: list[dict[str, Any]]) -> list[str]:
    """One line per violation: the page, the rule, its impact and help, the first targets."""
    lines = []
    for v in violations:
        targets = ", ".join(v["targets"][:SHOWN_TARGETS])
        more = (
            f" (+{len(v['targets']) - SHOWN_TARGETS} more)"
            if len(v["targets"]) > SHOWN_TARGETS
            else ""
        )
        lines.append(f"{page_name}: {v['id']} ({v['impact']}): {v['help']} — {targets}{more}")
        lines.append("    " + " ".join(v["why"].split()))
    return lines
