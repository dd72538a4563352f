"""Who may see and change the rota, and who may open the supervisor's view.

- supervisors and admins edit the rota and open the supervisor's view;
- the vendor's agents see the rota, never change it;
- a partner's agent sees only who is on call now (the line on the queue and phone pages):
  the rota names the vendor's staff and their hours, which are not the partner's business.
"""

from __future__ import annotations

from sladesk.staff.models import StaffProfile


def may_edit_rota(profile: StaffProfile) -> bool:
    return profile.leads


def may_see_rota(profile: StaffProfile) -> bool:
    return profile.sees_every_customer


def may_supervise(profile: StaffProfile) -> bool:
    return profile.leads


def may_be_on_call(profile: StaffProfile) -> bool:
    """On call pages come for any customer's P1, so only the vendor's staff take a shift."""
    return profile.role != StaffProfile.Role.PARTNER_AGENT
