"""Words the services send as codes (states, roles, steps), marked for translation. Their
refusals' words are in `gateway.web.refusals`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


ROLES = {
    "admin": N_("Administrator"),
    "coordinator": N_("Coordinator"),
    "mediator": N_("Mediator"),
    "council_secretary": N_("Council secretary"),
    "council_member": N_("Council member"),
    "liaison": N_("Law-enforcement liaison"),
    "analyst": N_("Analyst"),
}

CASE_STATUSES = {
    "registered": N_("Registered"),
    "assigned": N_("Assigned"),
    "in_mediation": N_("In mediation"),
    "settled": N_("Settled"),
    "not_settled": N_("Not settled"),
    "withdrawn": N_("Withdrawn"),
    "terminated": N_("Terminated"),
    "refused": N_("Refused"),
    "closed": N_("Closed"),
}

CATEGORIES = {
    "interethnic": N_("Interethnic"),
    "interfaith": N_("Interfaith"),
    "community": N_("Social and household"),
    "family": N_("Family"),
    "labour": N_("Labour"),
    "land": N_("Land"),
    "neighbour": N_("Neighbour"),
    "other": N_("Other"),
}

NOTE_OUTCOMES = {
    "settled": N_("Settled"),
    "not_settled": N_("Not settled"),
    "terminated": N_("Terminated"),
    "implemented_on_time": N_("Implemented on time"),
    "implemented_late": N_("Implemented late"),
}
# A practice note's status, as its author's pages (the drafting services: draft, submitted) and
# the library (under_review) name it: one label per state, in one grammar for "the note".
NOTE_STATUSES = {
    "draft": N_("Draft"),
    "submitted": N_("Under review"),
    "under_review": N_("Under review"),
    "published": N_("Published in the library"),
    "returned": N_("Returned for changes"),
}
NOTE_PARTS = {
    "conflict": N_("The conflict"),
    "tried": N_("What was tried"),
    "worked": N_("What worked"),
    "did_not_work": N_("What did not work"),
}

CHANNELS = {
    "walk_in": N_("Walk-in"),
    "akimat": N_("Akimat"),
    "court": N_("Court"),
    "police": N_("Police"),
    "council": N_("Public Accord council"),
    "online": N_("Online"),
}

RISK_LEVELS = {
    "low": N_("Low"),
    "medium": N_("Medium"),
    "high": N_("High"),
    "critical": N_("Critical"),
}

# Which accord an escalation says is at risk (`risk_of`).
RISK_OF = {"interethnic": N_("Interethnic accord"), "interfaith": N_("Interfaith accord")}

CONSENT_FORMS = {"written": N_("Written"), "oral": N_("Oral"), "electronic": N_("Electronic")}

# Why the service itself changed a session (`reason_code` of the cases service).
SESSION_REASONS = {"mediation_ended": N_("Cancelled: the mediation ended")}

# A mediation session of a case (the cases service's states).
SESSION_STATUSES = {
    "scheduled": N_("Scheduled"),
    "held": N_("Held"),
    "postponed": N_("Postponed"),
    "cancelled": N_("Cancelled"),
}

# A council's session (services/councils/lifecycle.py): its state `held` is the sitting under
# way, and the session reads "Held" only once the secretary has closed it.
COUNCIL_SESSION_STATUSES = {
    "planned": N_("Planned"),
    "convened": N_("Convened"),
    "held": N_("In session"),
    "closed": N_("Held"),
    "cancelled": N_("Cancelled"),
}

OBLIGATION_STATUSES = {
    "open": N_("Open"),
    "pending": N_("Pending"),
    "fulfilled": N_("Fulfilled"),
    "breached": N_("Breached"),
    "overdue": N_("Overdue"),
}

RECOMMENDATION_STATUSES = {
    "sent": N_("Sent"),
    "acknowledged": N_("Received by the addressee"),
    "in_progress": N_("In progress"),
    "implemented": N_("Implemented"),
    "partially_implemented": N_("Partly implemented"),
    "not_implemented": N_("Not implemented"),
}

VOTE_CHOICES = {"for": N_("For"), "against": N_("Against"), "abstain": N_("Abstained")}

# What the anonymity check (kelisim.anonymity.Kind) found in a text the user wrote.
FINDING_KINDS = {
    "name": N_("a name"),
    "phone": N_("a phone number"),
    "email": N_("an e-mail address"),
    "address": N_("an address"),
    "case_number": N_("a case number"),
    "date": N_("a date"),
    "identity_number": N_("an IIN or BIN"),
    "iban": N_("a bank account number (IBAN)"),
    "document_number": N_("an identity card or passport number"),
    "link": N_("a link or an account name"),
}

PARTY_KINDS = {"person": N_("Person"), "organisation": N_("Organisation")}

YES_NO = {True: N_("Yes"), False: N_("No")}

# Who took a step the system took by itself (the actor `system` of the audit trails).
SYSTEM_ACTOR = N_("Kelisim (automatically)")


# Steps of a case, as its audit log names them (`case.<action>`).
CASE_STEPS = {
    "case.registered": N_("Case registered"),
    "case.add_party": N_("Party added"),
    "case.refuse": N_("Mediation refused"),
    "case.refused": N_("Mediation refused"),
    "case.assign": N_("Mediator assigned"),
    "case.reassign": N_("Mediator reassigned"),
    "case.declare": N_("Declaration on conflict of interest"),
    "case.record_consent": N_("Consent recorded"),
    "case.withdraw_consent": N_("Consent withdrawn"),
    "case.sign_agreement": N_("Mediation agreement signed"),
    "case.extend": N_("Term extended"),
    "case.schedule_session": N_("Session scheduled"),
    "case.update_session": N_("Session updated"),  # its details unseen: held, postponed...
    "case.settle": N_("Settlement agreement signed"),
    "case.not_settled": N_("Not settled"),
    "case.terminate": N_("Mediation terminated"),
    "case.add_obligation": N_("Obligation added"),
    "case.fulfil_obligation": N_("Obligation fulfilled"),
    "case.breach_obligation": N_("Obligation breached"),
    "case.reopen": N_("Mediation reopened"),
    "case.close": N_("Case closed"),
    "case.escalate": N_("Escalated to law-enforcement bodies"),
    "case.escalation_acknowledged": N_("Escalation acknowledged by law-enforcement bodies"),
    "case.overdue": N_("Term overdue"),
}
GENERIC_STEP = N_("Step recorded")
# A declaration says which it was, where its details are shown (readers of the parties).
DECLARATIONS = {
    True: N_("Conflict of interest declared"),
    False: N_("No conflict of interest declared"),
}


# A session's change says what became of it, where its details are shown.
SESSION_STEPS = {
    "held": N_("Session held"),
    "postponed": N_("Session postponed"),
    "cancelled": N_("Session cancelled"),
}


def case_step(entry: Mapping[str, Any]) -> str:
    """The words for one step of a case's timeline (an audit entry of the cases service)."""
    details = entry.get("details") or {}
    conflict = details.get("conflict")
    if entry.get("action") == "case.declare" and isinstance(conflict, bool):
        return DECLARATIONS[conflict]
    changed = details.get("session_status")
    if entry.get("action") == "case.update_session" and changed in SESSION_STEPS:
        return SESSION_STEPS[changed]
    return CASE_STEPS.get(str(entry.get("action")), GENERIC_STEP)


REFUSAL_REASONS = {
    "state_body": N_("A party is a state body"),
    "corruption": N_("Corruption offence"),
    "incapacity": N_("A party was found incapable by a court"),
}

COUNCIL_LEVELS = {
    "republic": N_("Republic"),
    "region": N_("Region"),
    "district": N_("District or city"),
    "enterprise": N_("Enterprise"),
}
COUNCIL_ROLES = {
    "chair": N_("Chair"),
    "deputy_chair": N_("Deputy chair"),
    "secretary": N_("Secretary"),
    "member": N_("Member"),
}
VOTE_STATUSES = {"pending": N_("not opened"), "open": N_("open"), "closed": N_("closed")}
PROTOCOL_STATUSES = {
    "draft": N_("Draft"),
    "circulated": N_("Circulated"),
    "approved": N_("Approved"),
    "signed": N_("Signed"),
    "published": N_("Published"),
}
# The public status of a recommendation (services/councils/public.py).
PUBLIC_STATUSES = {
    "issued": N_("Issued"),
    "answered": N_("Answered"),
    "implemented": N_("Implemented"),
    "implemented_late": N_("Implemented late"),
    "partially_implemented": N_("Partly implemented"),
    "not_implemented": N_("Not implemented"),
    "overdue": N_("Overdue"),
}
RESPONSE_STATUSES = {
    "acknowledged": N_("Received by the addressee"),
    "in_progress": N_("In progress"),
    "implemented": N_("Implemented"),
    "partially_implemented": N_("Partly implemented"),
    "not_implemented": N_("Not implemented"),
}
# A webhook delivery's states, as services/notifications/lifecycle.py names them
# (`DELIVERY_STATES`); a failed attempt leaves a delivery pending until its next one.
DELIVERY_STATUSES = {
    "pending": N_("Pending"),
    "succeeded": N_("Delivered"),
    "dead": N_("Dead-lettered"),
}

# The measures of the analytics service (figure tables, charts, exports), by their name.
MEASURES = {
    "cases.registered": N_("Cases registered"),
    "cases.refused": N_("Mediation refused"),
    "cases.refused_reason": N_("Refusals by reason"),
    "cases.assigned": N_("Mediator assigned"),
    "cases.agreement_signed": N_("Mediation agreements signed"),
    "cases.in_mediation": N_("In mediation now"),
    "cases.settled": N_("Settled"),
    "cases.not_settled": N_("Not settled"),
    "cases.withdrawn": N_("Withdrawn"),
    "cases.terminated": N_("Terminated"),
    "cases.ended_in_term": N_("Ended within the term"),
    "cases.ended_late": N_("Ended after the term"),
    "cases.extended": N_("Term extended"),
    "cases.breached": N_("Obligations breached"),
    "cases.compliance_overdue": N_("Compliance overdue"),
    "escalations.raised": N_("Escalations raised"),
    "escalations.accepted": N_("Escalations accepted"),
    "escalations.accept_hours": N_("Hours to acceptance"),
    "councils.sessions_held": N_("Council sessions held"),
    "councils.quorum_failed": N_("Sessions without quorum"),
    "councils.decisions_adopted": N_("Decisions adopted"),
    "councils.decisions_rejected": N_("Decisions rejected"),
    "recommendations.issued": N_("Recommendations issued"),
    "recommendations.answered": N_("Recommendations answered"),
    "recommendations.implemented_on_time": N_("Implemented on time"),
    "recommendations.implemented_late": N_("Implemented late"),
    "recommendations.overdue": N_("Recommendations overdue"),
}

# What a notification rule reacts to, in words (the events the notifications service routes).
TOPICS = {
    "cases.case.registered": N_("A case is registered"),
    "cases.case.assigned": N_("A case is assigned"),
    "cases.case.deadline_approaching": N_("A mediation term ends soon"),
    "cases.case.overdue": N_("A mediation term has passed"),
    "cases.case.escalated": N_("A case is escalated to law enforcement"),
    "cases.case.conflict_declared": N_("A mediator declares a conflict of interest"),
    "cases.case.compliance_overdue": N_("An obligation of a settlement is overdue"),
    "cases.obligation.breached": N_("An obligation of a settlement is breached"),
    "councils.council.created": N_("A council is created"),
    "councils.session.convened": N_("A council session is convened"),
    "councils.session.rescheduled": N_("A council session is rescheduled"),
    "councils.session.cancelled": N_("A council session is cancelled"),
    "councils.protocol.published": N_("Session minutes are published"),
    "councils.recommendation.overdue": N_("A recommendation is overdue"),
    "cases.practice_note.published": N_("A practice note from a case is published"),
    "cases.practice_note.returned": N_("A practice note from a case is returned for changes"),
    "councils.practice_note.published": N_("A practice note from a council is published"),
    "councils.practice_note.returned": N_("A practice note from a council is returned for changes"),
    "notifications.escalation.unacknowledged": N_("An escalation is not accepted in time"),
    "notifications.endpoint.disabled": N_("A webhook endpoint is disabled"),
    "identity.login.burst_detected": N_("Many failed logins under one name"),
    "analytics.alert.raised": N_("An early warning is raised"),
}

RULE_SCOPES = {
    "region": N_("Their region"),
    "council": N_("Their council"),
    "all": N_("Everywhere"),
}

# What `services/councils/rules.decide` computes: "entitled" are the members present and not
# recused; an abstention or a silent member counts as not for (the minutes say the same).
DECISION_RULES = {
    "simple": N_("Simple majority of the members present and entitled to vote"),
    "absolute": N_("Absolute majority of all members"),
    "two_thirds": N_("Two thirds of the members present and entitled to vote"),
}
ATTACHED_KINDS = {"akimat": N_("Akimat"), "enterprise": N_("Enterprise")}

EMAIL_STATUSES = {
    "pending": N_("Waiting to be sent"),
    "held": N_("Held for the digest"),
    "batched": N_("Put into a digest"),  # the digest has its own line: sent or not
    "sent": N_("Sent"),
    "failed": N_("Failed"),
    "not_sent": N_("Not sent: e-mail is off"),
}
