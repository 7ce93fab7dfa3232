"""Words the services send as codes (states, roles, refusals), marked for translation."""

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

SESSION_STATUSES = {
    "scheduled": N_("Scheduled"),
    "held": N_("Held"),
    "postponed": N_("Postponed"),
    "cancelled": N_("Cancelled"),
    "draft": N_("Draft"),
    "open": N_("Open"),
    "closed": N_("Closed"),
    "planned": N_("Planned"),
    "convened": N_("Convened"),
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

PARTY_KINDS = {"person": N_("Person"), "organisation": N_("Organisation")}

YES_NO = {True: N_("Yes"), False: N_("No")}

# Refusals of the services, by the stable `type` of their problem details.
PROBLEMS = {
    "forbidden": N_("You are not allowed to do this."),
    "role-not-permitted": N_("Your role does not allow this."),
    "out-of-scope": N_("This is outside your region or council."),
    "not-found": N_("Not found."),
    "invalid-state": N_("This action is not possible in the current state."),
    "invalid-transition": N_("This action is not possible in the current state."),
    "not-anonymous": N_(
        "The note holds words that identify a person or its source: rephrase the words below."
    ),
    "case-not-closed": N_("A practice note is drafted from a closed case."),
    "personal-data-in-summary": N_(
        "The summary goes to law enforcement: it must not name the parties or hold contacts, "
        "addresses, exact dates or the case number."
    ),
    "conflict": N_("This action conflicts with the current state."),
    "precondition-failed": N_("Someone changed this in the meantime; reload and try again."),
    "not-declared": N_("Declare the absence of a conflict of interest first."),
    "validation-error": N_("Check the fields marked below."),
    "service-unavailable": N_("The service is unavailable; try again shortly."),
    "service-timeout": N_("The service did not answer in time; try again."),
    "invalid-credentials": N_("Wrong username or password."),
    "account-locked": N_("The account is locked after too many wrong passwords; try later."),
    "too-many-login-attempts": N_("Too many failed logins; try again later."),
    "account-inactive": N_("The account is deactivated."),
    "csrf-failed": N_("The form has expired; reload the page and try again."),
    "username-taken": N_("This username is taken."),
    "weak-password": N_("The password is too weak."),
    "wrong-current-password": N_("The current password is wrong."),
    "self-lockout": N_("You cannot deactivate yourself or drop your own admin role."),
    "already-acknowledged": N_("Already acknowledged."),
    "personal-data": N_("You may not see this case's personal data."),
    "declaration-required": N_("Declare the absence of a conflict of interest first."),
    "not-a-member": N_("You are not a member of this council."),
    "already-a-member": N_("This person is already a member of the council."),
    "already-consented": N_("This party has already given consent."),
    "already-declared": N_("The declaration has already been made."),
    "already-recused": N_("You have already recused yourself."),
    "already-signed": N_("Already signed."),
    "already-voted": N_("You have already voted."),
    "consent-missing": N_("Not every party has given consent."),
    "parties-missing": N_("Add the parties first."),
    "same-mediator": N_("This mediator is already assigned."),
    "declared-conflict": N_(
        "This mediator declared a conflict of interest in this case: assign another."
    ),
    "extension-used": N_("The term has already been extended once."),
    "obligations-open": N_("Some obligations are still open."),
    "obligation-resolved": N_("The obligation has already been resolved."),
    "date-in-future": N_("The date cannot be in the future."),
    "date-required": N_("Enter a date."),
    "reason-required": N_("Give the reason."),
    "unknown-party": N_("Unknown party."),
    "unknown-region": N_("Unknown region."),
    "invalid-term": N_("The term is not valid."),
    "invalid-url": N_("Enter a valid address (URL)."),
    "decision-not-adopted": N_("The decision was not adopted."),
    "due-before-session": N_("The due date cannot be before the session."),
    "reported-in-future": N_("The day the addressee reported cannot be in the future."),
    "reported-before-issued": N_(
        "The day the addressee reported cannot be before the recommendation was issued."
    ),
    "empty-agenda": N_("The agenda is empty."),
    "no-quorum": N_("There is no quorum."),
    "not-entitled": N_("You are not entitled to vote on this item."),
    "session-not-held": N_("The session is not being held."),
    "vote-open": N_("The vote is still open."),
    "took-part-in-vote": N_(
        "A member who voted or recused at this session, or was counted at a closed vote, was "
        "present: they cannot be marked absent."
    ),
    "protocol-exists": N_("The protocol already exists."),
    "protocol-immutable": N_("A published protocol cannot be changed."),
    "protocol-changed": N_("The minutes changed while being published. Publish them again."),
    "role-taken": N_("This role in the council is already taken."),
    "own-region": N_("A note of your own region is reviewed by a coordinator of another region."),
    "not-under-review": N_("This note is no longer waiting for a review."),
    "remark-required": N_("Say what to change when returning."),
    "already-marked": N_("You have already marked this note useful."),
    "unknown-mediator": N_("No active mediator of the case's region has this username."),
    "due-before-signing": N_("An obligation cannot be due before the settlement was signed."),
    "session-in-future": N_("A session dated in the future cannot be marked as held."),
    "signature-missing": N_("Every party must sign the settlement."),
    "invalid-session-transition": N_("This action is not possible in the current state."),
    "no-breach": N_("Only a case whose settlement was breached can be reopened."),
    "bad-document": N_("The file is empty or cannot be read."),
    "empty-document": N_("The file is empty or cannot be read."),
    "document-too-large": N_("The file is too large."),
    "too-large": N_("The file is too large."),
    "endpoint-disabled": N_(
        "The endpoint is turned off: nothing is sent to it until it is turned on again."
    ),
    "not-the-author": N_("Only its author changes or submits a proposal."),
    "second-analyst": N_("A second analyst, not the author, reviews it."),
    "incomplete-translation": N_("Each language needs both a title and a text."),
    "not-implemented": N_("A practice note is drafted from a recommendation that was implemented."),
    "invalid-csv": N_("The file is not a CSV table in UTF-8 with the expected columns."),
    "invalid-rows": N_("Some rows are not valid; nothing was imported."),
    "url-not-allowed": N_("This address is not allowed for an endpoint."),
    "no-signing-material": N_("An endpoint needs a secret or a signing key."),
    "invalid-audience": N_("This rule does not fit the event: it would reach no one."),
    "invalid-scope": N_("This rule does not fit the event: it would reach no one."),
    "unknown-subject": N_("This rule does not fit the event: it would reach no one."),
    "user-not-found": N_("Not found."),
    "api-key-not-found": N_("Not found."),
    "future-period": N_("Figures exist only up to this year."),
    "month-required": N_("Choose a month for the weekly figures."),
    "request-in-progress": N_("The request is still being carried out; try again in a moment."),
    "minutes-settled": N_(
        "The minutes are approved: add the recommendation with a correction of the published "
        "minutes."
    ),
    "idempotency-key-reused": N_(
        "This form was already sent with other values. Open the page again to send a new one."
    ),
}
GENERIC_PROBLEM = N_("The action was refused.")
# Who took a step the system took by itself (the actor `system` of the audit trails).
SYSTEM_ACTOR = N_("Kelisim (automatically)")

# Validation errors, by the pydantic error type.
VALIDATION = {
    "missing": N_("This field is required."),
    "string_too_short": N_("This field is too short."),
    "string_too_long": N_("This field is too long."),
    "string_pattern_mismatch": N_("The format is not valid."),
    "literal_error": N_("Choose one of the offered values."),
    "date_from_datetime_parsing": N_("Enter a valid date."),
    "date_parsing": N_("Enter a valid date."),
    "datetime_parsing": N_("Enter a valid date and time."),
    "datetime_from_date_parsing": N_("Enter a valid date and time."),
    "url_parsing": N_("Enter a valid address (URL)."),
    "url_scheme": N_("Enter a valid address (URL)."),
    "too_short": N_("Add at least one."),
    "value_error": N_("The value is not valid."),
    "int_parsing": N_("Enter a whole number."),
    "bool_parsing": N_("Choose yes or no."),
    # kelisim.inputs: the rules every service applies to what it is sent
    "date_out_of_range": N_("Enter a valid date."),
    "datetime_out_of_range": N_("Enter a valid date and time."),
    "timezone_aware": N_("Enter a valid date and time."),
    "unknown_region": N_("Choose one of the offered values."),
    "text_control_character": N_("Remove the invisible or control characters from this field."),
    "text_blank": N_("Enter visible text, not only spaces or invisible characters."),
    "place_or_link": N_("Give a place or an online link."),
    # services/cases: an escalation's summary is checked by kelisim.anonymity
    "personal_data": N_(
        "Remove the names, phones, e-mails, addresses, exact dates and case numbers."
    ),
    # gateway/schemas.py: a mediator, coordinator or liaison is never scoped to no region
    "region_required": N_(
        "Choose at least one region: a mediator, coordinator or liaison works in a region."
    ),
    # gateway/identity/councils.py: a council scope names a council that exists
    "unknown_council": N_("There is no such council: choose one of those offered."),
}
GENERIC_INVALID = N_("The value is not valid.")
PASSWORDS_DIFFER = N_("The two new passwords differ.")

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
    "councils.council.created": N_("A council is created"),
    "councils.session.convened": N_("A council session is convened"),
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
    "batched": N_("Sent in a digest"),
    "sent": N_("Sent"),
    "failed": N_("Failed"),
}
