"""Every change to a ticket: ``do_<verb>_<noun>()``.

Each action runs in one transaction holding the ticket's row lock: it checks who
acts and whether the transition is allowed, applies the change, appends one
event (with the deadlines before and after), re-evaluates the SLA clocks with
the pure engine from the whole event log, and writes outbox rows that the worker
delivers after commit. Views, commands and the worker call these; nothing else
writes a ticket.

Read down: ``base`` (what every action shares: ``ActionError``, ``Change``, ``_apply``),
``create`` (opening a ticket), ``work`` (acting on one), ``related`` (links and merges),
``saved_replies``. Everything public is here, as ``actions.do_...``.
"""

from __future__ import annotations

from sladesk.tickets.actions.base import (
    ALLOWED_FROM,
    FORBIDDEN,
    FORBIDDEN_TRANSITION,
    HARMLESS,
    INVALID,
    NOT_ENTITLED,
    STALE,
    ActionError,
    Change,
    StaleError,
    actor_name,
)
from sladesk.tickets.actions.create import (
    NEXT_NUMBERS,
    NEXT_NUMBERS_SQLITE,
    TICKET_NUMBER,
    NewTicket,
    do_create_ticket,
)
from sladesk.tickets.actions.related import (
    do_link_tickets,
    do_merge_ticket,
)
from sladesk.tickets.actions.saved_replies import (
    do_archive_saved_reply,
    do_save_saved_reply,
)
from sladesk.tickets.actions.work import (
    do_add_customer_reply,
    do_add_note,
    do_assign_ticket,
    do_close_ticket,
    do_exclude_ticket,
    do_hold_ticket,
    do_open_call_ticket,
    do_record_breaches,
    do_record_deadlines,
    do_reopen_ticket,
    do_reply_and_start_ticket,
    do_reply_ticket,
    do_resolve_ticket,
    do_set_ticket_affected,
    do_set_ticket_category,
    do_set_ticket_priority,
    do_start_ticket,
)

__all__ = [
    "ALLOWED_FROM",
    "FORBIDDEN",
    "FORBIDDEN_TRANSITION",
    "HARMLESS",
    "INVALID",
    "NEXT_NUMBERS",
    "NEXT_NUMBERS_SQLITE",
    "NOT_ENTITLED",
    "STALE",
    "TICKET_NUMBER",
    "ActionError",
    "Change",
    "NewTicket",
    "StaleError",
    "actor_name",
    "do_add_customer_reply",
    "do_add_note",
    "do_archive_saved_reply",
    "do_assign_ticket",
    "do_close_ticket",
    "do_create_ticket",
    "do_exclude_ticket",
    "do_hold_ticket",
    "do_link_tickets",
    "do_merge_ticket",
    "do_open_call_ticket",
    "do_record_breaches",
    "do_record_deadlines",
    "do_reopen_ticket",
    "do_reply_and_start_ticket",
    "do_reply_ticket",
    "do_resolve_ticket",
    "do_save_saved_reply",
    "do_set_ticket_affected",
    "do_set_ticket_category",
    "do_set_ticket_priority",
    "do_start_ticket",
]
