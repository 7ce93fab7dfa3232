"""Words for the services' refusals (problem details by their `type`) and for the validation
errors of a form (by pydantic's error type), marked for translation and shown in the user's
language beside the form or field they concern."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.web.labels import N_

if TYPE_CHECKING:
    from gateway.web.view import View

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
        "addresses, exact dates, the case number, IINs, bank account numbers, document numbers "
        "or links (a link to an official source of law, such as adilet.zan.kz or gov.kz, may "
        "stay)."
    ),
    "personal-data-in-proposal": N_(
        "A proposal goes to the country's leadership: it must not hold names, contacts, "
        "addresses, exact dates, case numbers, IINs, bank account numbers, document numbers or "
        "links."
    ),
    "personal-data-in-public-reason": N_(
        "The reason is shown on the public page: it must not hold names, contacts, "
        "addresses, exact dates, case numbers, IINs, bank account numbers, document numbers or "
        "links."
    ),
    "conflict": N_("This action conflicts with the current state."),
    "precondition-failed": N_("Someone changed this in the meantime; reload and try again."),
    "not-declared": N_("Declare the absence of a conflict of interest first."),
    "validation-error": N_("Check the fields marked below."),
    "service-unavailable": N_("The service is unavailable; try again shortly."),
    "service-timeout": N_("The service did not answer in time; try again."),
    "printing-unavailable": N_(
        "Documents cannot be printed now: a font is missing on the server. Tell the "
        "administrator; nothing was changed."
    ),
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
    "session-already-held": N_("A sitting that has begun cannot be moved or cancelled."),
    "moved-into-past": N_("A session is moved only to a time still to come."),
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
    "signed-before-consent": N_(
        "The mediation agreement cannot be signed before the last party's consent."
    ),
    "extension-consent-before-agreement": N_(
        "A consent to extend the term cannot be dated before the mediation agreement was signed."
    ),
    "settled-before-agreement": N_(
        "The settlement agreement cannot be signed before the mediation agreement."
    ),
    "settled-before-last-settlement": N_(
        "The new settlement cannot be signed before the settlement it replaces."
    ),
    "settled-before-reopening": N_(
        "The new settlement cannot be signed before the day the case was reopened."
    ),
    "escalation-already-raised": N_(
        "This case was already escalated with the same risk and summary; nothing was sent again."
    ),
    "session-in-future": N_("A session dated in the future cannot be marked as held."),
    "signature-missing": N_("Every party must sign the settlement."),
    "invalid-session-transition": N_("This action is not possible in the current state."),
    "no-breach": N_("Only a case whose settlement was breached can be reopened."),
    "bad-document": N_("The file is empty or cannot be read."),
    "empty-document": N_("The file is empty or cannot be read."),
    "document-too-large": N_("The file is too large."),
    "too-large": N_("A history file has at most 5 MB."),  # only analytics' history import
    "endpoint-disabled": N_(
        "The endpoint is turned off: nothing is sent to it until it is turned on again."
    ),
    "not-the-author": N_("Only its author changes or submits a proposal."),
    "second-analyst": N_("A second analyst, not the author, reviews it."),
    "invalid-figures": N_(
        "A proposal rests on the analytics pages (/analytics/...) of regions in your scope."
    ),
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
    # an analytics page asked for by an old or edited link
    "unknown-measure": N_("There is no such measure."),
    "unknown-table": N_("There is no such table."),
    "bad-cursor": N_("This page link is no longer valid; start from the first page."),
    "month-required": N_("Weekly figures are given for one month: choose a month."),
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
# A web form's body beyond the size limit (kelisim.limits), with the limit in megabytes.
BODY_TOO_LARGE = N_("The file is too large: this form accepts up to %(size)s MB.")


def body_too_large(view: View, limit: int) -> str:
    """BODY_TOO_LARGE in the view's language, the limit of `limit` bytes in megabytes."""
    return view.translate(BODY_TOO_LARGE) % {"size": view.fmt.number(round(limit / 2**20, 1))}


# Beside a reopened case's new settlement's date (or a signature's) dated before the reopening.
SETTLED_BEFORE_REOPENING_ON = N_(
    "The mediation was reopened on %(day)s: the new settlement cannot be signed before that day."
)


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
    # services/councils: a session is rescheduled to a time still to come
    "moved_into_past": N_("This time has passed: choose a later one."),
    # services/councils: a session's public reason for moving or cancelling it (kelisim.anonymity)
    "public_personal_data": N_(
        "Everyone reads this on the public page: remove the names, phones, e-mails, addresses, "
        "exact dates, case numbers, IINs, bank account numbers, document numbers and links."
    ),
    # services/cases: an escalation's summary is checked by kelisim.anonymity
    "personal_data": N_(
        "Remove the names, phones, e-mails, addresses, exact dates, case numbers, IINs, "
        "bank account numbers, document numbers and links; a link to an official source of law "
        "(adilet.zan.kz, gov.kz) may stay."
    ),
    # gateway/schemas.py: a mediator, coordinator or liaison is never scoped to no region
    "region_required": N_(
        "Choose at least one region: a mediator, coordinator or liaison works in a region."
    ),
    # gateway/identity/users.py: roles the mission keeps apart on one account
    "liaison_alone": N_(
        "A law-enforcement liaison sees only the reviewed escalations of its region: choose no "
        "other role."
    ),
    "analyst_without_persons": N_(
        "An analyst never sees a person: do not add admin, coordinator, mediator, council "
        "secretary or council member."
    ),
    # gateway/identity/councils.py: a council scope names a council that exists
    "unknown_council": N_("There is no such council: choose one of those offered."),
}
GENERIC_INVALID = N_("The value is not valid.")
PASSWORDS_DIFFER = N_("The two new passwords differ.")
