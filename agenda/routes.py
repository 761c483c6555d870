"""Organiser pages of the agenda: the builder, speakers, the time-zone planner, downloads."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for

from agenda import bp
from agenda.feeds import feed_token
from agenda.forms import (
    ApplyStartForm,
    DayStartForm,
    ItemForm,
    MoveForm,
    PresetForm,
    SpeakerForm,
    WindowForm,
)
from agenda.ical import webcal_url
from agenda.models import AgendaItem, Speaker
from agenda.planner import local_spans, suggest_start
from agenda.planning import invited_groups, planner_days, registrant_groups
from agenda.schedule import ITEM_KINDS, PersonRef, in_zone
from agenda.services import (
    AT_END,
    AT_START,
    AgendaError,
    Place,
    add_item,
    agenda_document,
    agenda_warnings,
    apply_preset,
    items_by_day,
    move_item,
    move_item_to_day,
    set_cancelled,
    set_day_start,
    update_item,
)
from agenda.speakers import delete_speaker, list_speakers, save_speaker
from symposium import db
from symposium.auth import organiser_required
from symposium.edit_conflicts import conflict_message, merge_concurrent, remember_seen
from symposium.models import Economy, Symposium, SymposiumDay
from symposium.routes import symposium_or_404


def _day_or_404(symposium: Symposium, number: int) -> SymposiumDay:
    for day in symposium.days:
        if day.number == number:
            return day
    abort(404)


def _item_or_404(symposium: Symposium, item_id: int) -> AgendaItem:
    item = db.session().get(AgendaItem, item_id)
    if item is None or item.day.symposium_id != symposium.id:
        abort(404)
    return item


def _done(symposium: Symposium, message: str, anchor: str = "") -> Any:
    db.session().commit()
    flash(message, "success")
    return redirect(url_for("agenda.builder", symposium_id=symposium.id) + anchor)


@bp.route("/symposia/<int:symposium_id>/agenda")
def builder(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    session = db.session()
    document = agenda_document(session, symposium, with_platform_link=True)
    return render_template(
        "agenda/builder.html",
        symposium=symposium,
        document=document,
        items=items_by_day(session, symposium),
        warnings=agenda_warnings(session, symposium, document),
        preset_form=PresetForm(),
        start_forms={
            day.number: DayStartForm(prefix=f"day{day.number}", start_time=day.start_time)
            for day in symposium.days
        },
        csrf_form=MoveForm(),
    )


@bp.route("/symposia/<int:symposium_id>/agenda/template", methods=["POST"])
def use_preset(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    form = PresetForm()
    if not form.validate():
        abort(400)
    try:
        count = apply_preset(db.session(), symposium, form.preset.data)
    except AgendaError as error:
        flash(str(error), "danger")
        return redirect(url_for("agenda.builder", symposium_id=symposium.id))
    return _done(symposium, f"Added {count} items from the template.")


@bp.route("/symposia/<int:symposium_id>/agenda/days/<int:day_number>/start", methods=["POST"])
def day_start(symposium_id: int, day_number: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    day = _day_or_404(symposium, day_number)
    form = DayStartForm(prefix=f"day{day_number}")
    if not form.validate():
        flash("Give the start as a time, e.g. 08:00.", "danger")
        return redirect(url_for("agenda.builder", symposium_id=symposium.id))
    try:
        set_day_start(db.session(), day, form.start_time.data)
    except AgendaError as error:
        flash(str(error), "danger")
        return redirect(url_for("agenda.builder", symposium_id=symposium.id))
    return _done(symposium, f"Day {day_number} now starts at {form.start_time.data:%H:%M}.")


def _item_form(
    symposium: Symposium, day: SymposiumDay, item: AgendaItem | None, **kwargs: Any
) -> ItemForm:
    # Without a day in the request the item stays where it is.
    form = ItemForm(day_number=item.day.number if item else day.number, **kwargs)
    people = [(s.id, s.name) for s in list_speakers(db.session(), symposium)]
    form.speaker_ids.choices = people
    form.moderator_ids.choices = people
    day_items = items_by_day(db.session(), symposium)[day.id]
    form.insert_at.choices = [(AT_START, "At the start of the day")] + [
        (str(other.id), f"After “{other.title}”") for other in day_items if other is not item
    ]
    form.insert_at.choices.append((AT_END, "At the end of the day"))
    form.day_number.choices = [
        (d.number, f"Day {d.number}, {d.date:%a %-d %b}") for d in symposium.days
    ]
    return form


def _place(form: ItemForm) -> Place:
    """The place chosen, as the item to insert after (its id): the service finds where that is
    once it holds the lock, as the day may change before then."""
    choice = form.insert_at.data
    return choice if choice in (AT_START, AT_END) else int(choice)


@bp.route(
    "/symposia/<int:symposium_id>/agenda/days/<int:day_number>/items/new",
    methods=["GET", "POST"],
)
@organiser_required
def new_item(symposium_id: int, day_number: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    day = _day_or_404(symposium, day_number)
    form = _item_form(symposium, day, None)
    del form.day_number  # a new item goes in the day it is added to
    if request.method == "GET":
        form.insert_at.data = request.args.get("after", AT_END)
    if form.validate_on_submit():
        try:
            item = add_item(db.session(), day, form.to_input(), _place(form))
        except AgendaError as error:
            form.form_errors.append(str(error))
        else:
            return _done(symposium, f"Added “{item.title}”.", f"#item-{item.id}")
    status = 422 if form.is_submitted() else 200
    return render_template(
        "agenda/item_form.html", form=form, symposium=symposium, day=day, item=None
    ), status


def _saved_item(symposium: Symposium, item: AgendaItem) -> ItemForm:
    """The item's edit form filled with what is saved now."""
    form = _item_form(symposium, item.day, item, formdata=None)
    del form.insert_at  # editing keeps the item where it is; the arrows move it
    form.kind.data, form.title.data = item.kind, item.title
    form.duration.data, form.description.data = item.duration_minutes, item.description
    form.speaker_ids.data = [s.id for s in item.people_in("speaker")]
    form.moderator_ids.data = [s.id for s in item.people_in("moderator")]
    form.materials.data = "\n".join(item.materials or [])
    return form


@bp.route("/symposia/<int:symposium_id>/agenda/items/<int:item_id>/edit", methods=["GET", "POST"])
@organiser_required
def edit_item(symposium_id: int, item_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    item = _item_or_404(symposium, item_id)
    if request.method == "GET":
        form = _saved_item(symposium, item)
        remember_seen(form)
    else:
        form = _item_form(symposium, item.day, item)
        del form.insert_at  # editing keeps the item where it is; the arrows move it
    status = 422 if form.is_submitted() else 200
    if form.is_submitted() and (conflicts := merge_concurrent(form, _saved_item(symposium, item))):
        form.form_errors.append(conflict_message(conflicts))
        status = 409
    elif form.validate_on_submit():
        try:
            update_item(db.session(), item, form.to_input())
            move_item_to_day(db.session(), item, _day_or_404(symposium, form.day_number.data))
        except AgendaError as error:
            form.form_errors.append(str(error))
        else:
            return _done(symposium, f"Saved “{item.title}”.", f"#item-{item.id}")
    return render_template(
        "agenda/item_form.html", form=form, symposium=symposium, day=item.day, item=item
    ), status


@bp.route("/symposia/<int:symposium_id>/agenda/items/<int:item_id>/move", methods=["POST"])
def move(symposium_id: int, item_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    item = _item_or_404(symposium, item_id)
    form = MoveForm()
    if not form.validate() or form.direction.data not in {"up", "down"}:
        abort(400)
    try:
        move_item(db.session(), item, -1 if form.direction.data == "up" else 1, form.position.data)
    except AgendaError as error:
        db.session().rollback()
        flash(str(error), "danger")
        return redirect(url_for("agenda.builder", symposium_id=symposium.id) + f"#item-{item.id}")
    return _done(symposium, f"Moved “{item.title}” {form.direction.data}.", f"#item-{item.id}")


@bp.route("/symposia/<int:symposium_id>/agenda/items/<int:item_id>/cancel", methods=["POST"])
def cancel(symposium_id: int, item_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    item = _item_or_404(symposium, item_id)
    cancelled = request.form.get("restore") != "1"
    set_cancelled(db.session(), item, cancelled)
    verb = "Cancelled" if cancelled else "Restored"
    return _done(symposium, f"{verb} “{item.title}”.", f"#item-{item.id}")


@bp.route("/symposia/<int:symposium_id>/agenda/speakers", methods=["GET", "POST"])
def speakers(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    return _speaker_page(symposium, None)


@bp.route(
    "/symposia/<int:symposium_id>/agenda/speakers/<int:speaker_id>/edit", methods=["GET", "POST"]
)
@organiser_required
def edit_speaker(symposium_id: int, speaker_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    speaker = db.session().get(Speaker, speaker_id)
    if speaker is None or speaker.symposium_id != symposium.id:
        abort(404)
    return _speaker_page(symposium, speaker)


def _speaker_page(symposium: Symposium, speaker: Speaker | None) -> Any:
    session = db.session()
    form = SpeakerForm(obj=speaker if request.method == "GET" else None)
    economies = session.scalars(sa.select(Economy).order_by(Economy.position))
    form.economy_id.choices = [(0, "—")] + [(e.id, e.name) for e in economies]
    if speaker is not None and request.method == "GET":
        form.economy_id.data = speaker.economy_id or 0
    if form.validate_on_submit():
        try:
            saved = save_speaker(session, symposium, form.to_input(), speaker)
        except AgendaError as error:
            form.email.errors = [*form.email.errors, str(error)]
        else:
            session.commit()
            flash(f"Saved {saved.name}.", "success")
            return redirect(url_for("agenda.speakers", symposium_id=symposium.id))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "agenda/speakers.html",
        symposium=symposium,
        form=form,
        speaker=speaker,
        speakers=list_speakers(session, symposium),
        csrf_form=MoveForm(),
    ), status


@bp.route("/symposia/<int:symposium_id>/agenda/speakers/<int:speaker_id>/delete", methods=["POST"])
def remove_speaker(symposium_id: int, speaker_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    speaker = db.session().get(Speaker, speaker_id)
    if speaker is None or speaker.symposium_id != symposium.id:
        abort(404)
    try:
        delete_speaker(db.session(), speaker)
    except AgendaError as error:
        flash(str(error), "danger")
    else:
        db.session().commit()
        flash(f"Removed {speaker.name}.", "success")
    return redirect(url_for("agenda.speakers", symposium_id=symposium.id))


@bp.app_template_global()
def kind_label(kind: str) -> str:
    return ITEM_KINDS.get(kind, kind)


@bp.app_template_global()
def feed_url(symposium_id: int, speaker_id: int | None) -> str:
    """The personal, subscribable calendar link of a speaker (or of every session)."""
    token = feed_token(current_app.config["SECRET_KEY"], symposium_id, speaker_id)
    return url_for("agenda.personal_feed", token=token, _external=True)


@bp.app_template_filter("webcal")
def webcal_filter(url: str) -> str:
    return webcal_url(url)


@bp.app_template_filter("in_zone")
def in_zone_filter(moment: dt.datetime, timezone: str) -> dt.datetime:
    return in_zone(moment, timezone)


@bp.app_template_filter()
def join_people(people: tuple[PersonRef, ...]) -> str:
    return "; ".join(person.label() for person in people)


@bp.route("/symposia/<int:symposium_id>/agenda/planner")
def planner(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    document = agenda_document(db.session(), symposium, with_platform_link=False)
    window_form = WindowForm(formdata=request.args)
    window_asked = window_form.validate()
    window = window_form.window()  # the default one until the fields are right
    days, host = planner_days(symposium, document), symposium.host_timezone
    groups, people = invited_groups(symposium), registrant_groups(db.session(), symposium)
    suggestion = suggest_start(days, host, groups, window) if groups else None
    for_people = suggest_start(days, host, people, window) if people else None
    return render_template(
        "agenda/planner.html",
        symposium=symposium,
        days=days,
        rows=local_spans(days, host, groups, window) if groups else [],
        people_rows=local_spans(days, host, people, window) if people else [],
        window=window,
        window_form=window_form,
        suggestion=suggestion,
        people_suggestion=for_people,
        apply_form=ApplyStartForm(start_time=suggestion.start if suggestion else None),
    ), (200 if window_asked else 422)


@bp.route("/symposia/<int:symposium_id>/agenda/planner/apply", methods=["POST"])
def apply_planner_start(symposium_id: int) -> Any:
    symposium = symposium_or_404(symposium_id)
    form = ApplyStartForm()
    if not form.validate():
        abort(400)
    try:
        for day in symposium.days:
            set_day_start(db.session(), day, form.start_time.data)
    except AgendaError as error:
        db.session().rollback()
        flash(str(error), "danger")
        return redirect(url_for("agenda.planner", symposium_id=symposium.id))
    return _done(symposium, f"Every day now starts at {form.start_time.data:%H:%M}.")
