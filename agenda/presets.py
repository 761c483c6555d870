"""Agenda templates taken from the proposals, item by item.

The 2-day template is the agenda of project SME 10 2022A (seeds/000), the e-commerce MSME
proposal, with its exact titles and durations. The 3-day template only has the shape of SME 06
2021A (seeds/001), the digital transformation proposal: three days of about three hours on its
three topics (the state of digitisation, the platform's findings, recommendations for each
economy); that proposal has no agenda, so the items and durations are ours. The labels say so.
"""

from __future__ import annotations

from typing import NamedTuple


class PresetItem(NamedTuple):
    kind: str
    title: str
    duration: int


class Preset(NamedTuple):
    name: str
    label: str
    days: tuple[tuple[PresetItem, ...], ...]


TWO_DAY_APEC = Preset(
    "two-day-apec",
    "2-day symposium (agenda of the e-commerce MSME proposal)",
    (
        (
            PresetItem("opening", "Presentation and the details of the day", 15),
            PresetItem(
                "keynote",
                "E-commerce as a key accelerator for the development of MSMEs",
                30,
            ),
            PresetItem(
                "panel",
                "Panel discussion on the current outlook and vision for the following years on "
                "the development of e-commerce",
                45,
            ),
            PresetItem("break", "Break", 10),
            PresetItem("keynote", "The importance of women in e-commerce", 30),
            PresetItem(
                "panel",
                "Policies, experiences and practices applied for the promotion of e-commerce for "
                "the benefit of MSMEs and gender equality",
                30,
            ),
            PresetItem("closing", "Preliminary conclusions and closing", 10),
        ),
        (
            PresetItem("opening", "Presentation and detailed objective of the day", 15),
            PresetItem(
                "presentation",
                "Presentation of the most relevant data obtained from the research report and of "
                "the Virtual E-Commerce Platform for APEC economies",
                45,
            ),
            PresetItem(
                "presentation",
                "Presentation of the collaborative work proposal on the promotion of e-commerce "
                "in MSMEs of the 7 prioritized economies",
                20,
            ),
            PresetItem(
                "panel",
                "Next steps for the promotion of e-commerce in MSMEs through collaborative work "
                "among APEC economies",
                45,
            ),
            PresetItem("closing", "Final conclusions and closing", 10),
        ),
    ),
)

THREE_DAY = Preset(
    "three-day",
    "3-day symposium, about 3 hours a day (outline from the digital transformation proposal's "
    "topics)",
    (
        (
            PresetItem("opening", "Opening remarks and objectives of the symposium", 15),
            PresetItem("keynote", "Current status of digitisation of MSMEs in the region", 40),
            PresetItem(
                "panel", "Digital tools that open new markets to MSMEs and cooperatives", 50
            ),
            PresetItem("break", "Break", 15),
            PresetItem("presentation", "Key digital skills gaps: the needs assessment", 40),
            PresetItem("closing", "Conclusions of the day", 15),
        ),
        (
            PresetItem("opening", "Presentation of the day", 10),
            PresetItem("presentation", "The web platform: self-diagnosis and training content", 40),
            PresetItem(
                "presentation", "Main findings during the implementation of the platform", 40
            ),
            PresetItem("break", "Break", 15),
            PresetItem("panel", "Lessons learned from the trial period", 55),
            PresetItem("closing", "Conclusions of the day", 15),
        ),
        (
            PresetItem("opening", "Presentation of the day", 10),
            PresetItem("economy_presentation", "Economy presentation: first economy", 30),
            PresetItem("economy_presentation", "Economy presentation: second economy", 30),
            PresetItem("economy_presentation", "Economy presentation: third economy", 30),
            PresetItem("break", "Break", 15),
            PresetItem(
                "panel", "Recommendations for adapting the platform to each economy's measures", 45
            ),
            PresetItem("closing", "Final conclusions and closing", 20),
        ),
    ),
)

PRESETS: dict[str, Preset] = {preset.name: preset for preset in (TWO_DAY_APEC, THREE_DAY)}
