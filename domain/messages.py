"""Every sentence the domain says to people, by code, in English.

Refusals (`KopirError.code`) and the problems of a form (`FieldProblem.code`) carry a
code and parameters; screens translate the code (`error.<code>` and `problem.<code>`
in ui/i18n, kk/ru/en, checked by a test against these tables) and the command line
prints the English below.
"""

from __future__ import annotations

from typing import Any, Mapping

PROBLEMS = {
    "text.not_text": "must be text.",
    "text.required": "please write something here; it cannot be empty.",
    "text.too_long": "is too long: {length} characters, the limit is {limit}.",
    "text.control_characters": "contains invisible control characters; please retype it.",
    "moment.missing": "needs a date and time.",
    "moment.too_early": "is before {year}: please check the year.",
    "day.missing": "needs a date.",
    "text.invalid_characters": "contains characters that cannot be stored; please retype it.",
    "flag.format": "must be yes or no.",
    "languages.format": "choose languages from the list.",
    "submission.format": "this form's submission is damaged; open the form again.",
    "participants.format": "choose the other children from the list.",
    "amendment.format": "an amendment names the fields it changes and their new values.",
    "school.id_format": "a school id is 1 to 32 letters, digits or dashes.",
    "account.user_format": "a login name is 1 to 64 letters, digits, dots, dashes or @.",
    "account.schools_format": "choose the schools from the list.",
    "transfer.unknown_school": "there is no school {school} in Köpir.",
    "moment.future": "is in the future; record events after they have happened.",
    "scale.range": "must be a whole number from {low} to {high}.",
    "choice.unknown": "must be one of: {allowed}.",
    "child_code.format": "a child code is 3 to 20 capital letters, digits or dashes, "
                         "e.g. AST-0042.",
    "languages.none": "choose at least one language the child speaks.",
    "participants.twice": "{child} is listed twice.",
    "severity.positive": "a friendship or group activity has no severity.",
    "label_about.missing": "say what the nickname or label was about.",
    "wellbeing.missing": "an attended session needs the four wellbeing scores (1 to 5).",
    "wellbeing.not_attended": "wellbeing scores are only given for a session that took place.",
    "follow_up.before_session": "the follow-up date is before the session.",
    "entry.missing": "choose the entry to correct.",
    "transfer.school": "choose the school the child moves to.",
    "amendment.not_amendable": "this field cannot be amended.",
    "amendment.empty": "an amendment must change something.",
    "account.email_format": "this does not look like an e-mail address (name@example.kz).",
    "assignee.not_staff": "the person chosen is not on the staff of this child's school.",
    "assignee.missing": "choose who takes this on.",
    "decision.rationale": "please write your reasons; a decision not to act is recorded too.",
    "school.exists": "school {school} already exists.",
    "account.password_short": "a password needs at least {minimum} characters.",
    "account.exists": "user {user} already exists.",
    "account.password_same": "the new password must differ from the one-time password.",
    "account.passwords_differ": "the two new passwords are not the same.",
    "delegation.deputy": "choose an active supervisor or psychologist other than yourself.",
    "delegation.period": "the absence must end after it starts, and not in the past.",
    "delegation.unknown": "there is no such delegation to end.",
    "erasure.legal_basis": "say on what lawful request the data is erased.",
    "erasure.note": "say why you approve or reject this request.",
    "import.unknown_field": "is not a field of the {form} form.",
    "import.missing": "is needed and missing.",
    "import.number": "must be a whole number.",
    "import.moment": "must be a date and time like 2026-03-02T10:30.",
    "import.day": "must be a date like 2026-03-02.",
    "import.participants": "list the other children as CODE:role separated by ';', "
                           "e.g. AST-0042:initiator.",
    "import.wellbeing": "the wellbeing scores are four numbers from 1 to 5: social_ties, "
                        "school_engagement, emotional_state, family_support.",
    "import.value": "cannot be read.",
    "import.goals": "list the goals as area: target separated by ';', e.g. "
                    "social_ties: two friends in class.",
    "import.outcomes": "list the outcomes as area: better, same or worse separated by ';', "
                       "e.g. social_ties: better.",
    "plan.goals_missing": "a plan needs at least one goal: a wellbeing area and its target.",
    "plan.review_in_past": "the review date has passed; choose today or a later day.",
    "plan.review_before_start": "the review comes before the measure starts.",
    "plan.outcomes_missing": "say for each goal whether things are better, the same or worse.",
    "plan.unknown_goal": "this goal is not in the child's plan.",
    "measure.adolescents_only": "a meeting with a religious-studies specialist is for "
                                "adolescents of {age} and older.",
    "family.refused_by": "say who refused the contact.",
    "family.not_refused": "only a refused contact says who refused it.",
}

REFUSALS = {
    "refused": "Köpir cannot do this.",
    "invalid_entry": "The form has problems: {problems}",
    "unknown_child": "No child with code {child} is enrolled in Köpir.",
    "already_enrolled": "{child} is already enrolled.",
    "enrolment_closed": "The enrolment of {child} is closed; nothing more can be recorded.",
    "erased": "The personal data of {child} was erased; nothing more can be recorded.",
    "already_erased": "The personal data of {child} was already erased.",
    "submission_reused": "This form was already saved for another child: open a new form "
                         "to record for this one.",
    "unknown_entry": "There is no entry {entry} in the record of {child}.",
    "entry_retracted": "That entry was already retracted; it cannot change.",
    "record_changed": "Someone else has just updated the record of {child}. Reload it and "
                      "save again: what you typed is kept.",
    "record_changed.any": "Someone else has just updated this record. Reload it and save "
                          "again: what you typed is kept.",
    "unknown_escalation": "No escalation {escalation}.",
    "unknown_escalation.in_scope": "No escalation {escalation} in your schools.",
    "escalation_resolved": "This escalation is already resolved.",
    "escalation_acknowledged": "This escalation was already acknowledged.",
    "escalation_in_concern": "This is one signal of the child's concern: acknowledge, assign "
                             "or resolve the concern itself.",
    "escalation_withdrawn": "This escalation was withdrawn: the entry that raised it was "
                            "corrected.",
    "unknown_concern": "No concern about {child}.",
    "concern_not_open": "This concern is not open: it was resolved, or none is open now.",
    "concern_acknowledged": "This concern was already acknowledged.",
    "concern_snooze_range": "A concern can be snoozed until a moment within the next 7 days.",
    "record_unreadable": "This record cannot be read: an entry of it was changed or written "
                         "outside Köpir. An auditor can check its integrity.",
    "login_failed": "Unknown user name or wrong password.",
    "password_change_required": "This was a one-time password: choose a new password to "
                                "go on.",
    "denied.own_account": "You cannot disable your own account or take away your own "
                          "administrator role.",
    "denied.delegate": "Only the supervisor themselves or an administrator names or ends "
                       "their deputy.",
    "not_a_supervisor": "{user} is not a supervisor: only supervisors name a deputy.",
    "unknown_user": "Unknown user {user}.",
    "erasure_needs_key": "Erasure destroys a child's key: it needs a store encrypted under a "
                         "master key.",
    "denied.record_kind": "Your role ({role}) cannot record this kind of entry ({what}).",
    "denied.record_school": "You can only record for children of your own school.",
    "denied.admin_reads": "Administrators manage accounts; they do not read case records.",
    "denied.no_records": "Your role does not read children's records.",
    "denied.correct_own": "You can correct only the entries you recorded yourself.",
    "denied.wellbeing": "Wellbeing scores are for psychologists, supervisors and auditors.",
    "denied.handle_role": "Only supervisors and psychologists handle escalations.",
    "denied.handle_school": "This escalation belongs to a school you do not supervise.",
    "plan.none": "There is no support plan for this child yet: draft one first.",
    "plan.exists": "This child already has a support plan; add goals or measures to it.",
    "plan.closed": "The support plan is closed; reopen it first.",
    "plan.unknown_measure": "There is no such measure in the child's plan.",
    "plan.measure_ended": "This measure is finished or stopped; add a new one instead.",
    "plan.already_approved": "This plan is already approved.",
    "plan.closure_not_proposed": "Nobody proposed to close this plan: a plan closes when a "
                                 "supervisor approves a proposed closure.",
    "plan.closure_proposed": "A closure of this plan already waits for a supervisor.",
    "plan.not_closed": "This plan is not closed.",
    "consent.missing": "The family's consent for this ({purpose}) is not on record: record it "
                       "first.",
    "transfer.none": "No transfer of this child waits for your school's answer.",
    "transfer.pending": "A transfer of this child already waits for the other school's answer.",
    "denied.approve_plans": "Only supervisors approve support plans and their closure.",
    "denied.receive": "Only the psychologists and supervisors of the receiving school answer "
                      "a transfer.",
    "denied.administer": "Only administrators manage accounts and schools.",
    "denied.audit": "The raw event log is for auditors.",
    "denied.access_log": "The access log is for auditors and the data-protection officer.",
    "denied.caseload": "Caseload figures are for supervisors, psychologists and auditors.",
    "denied.escalations": "The escalation queue is for supervisors and psychologists.",
    "denied.erasure_request": "Only administrators ask for a child's personal data to be erased.",
    "denied.erasure_decide": "Only the data-protection officer (or a second administrator) "
                             "approves or rejects an erasure.",
    "denied.erasure_own": "You asked for this erasure: a second person must approve or reject it.",
    "erasure.unknown": "There is no erasure request {request}.",
    "erasure.approved": "This erasure request was already approved.",
    "erasure.rejected": "This erasure request was already rejected.",
    "erasure.pending": "A request to erase the personal data of {child} already waits for a "
                       "decision.",
    "denied.subject_access": "Only the data-protection officer exports a child's data.",
    "denied.aggregates": "The ministry's figures are for ministry analysts.",
}


def sentence(table: Mapping[str, str], code: str, params: Mapping[str, Any]) -> str:
    """The English sentence of a code, its placeholders filled in."""
    template = table.get(code, code)
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template
