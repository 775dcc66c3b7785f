"""General meetings run by the society's rules: the meeting, its notice and its roll.

Entry points: `admin.create_meeting` checks a meeting against the rules (notice in
clear days) and fixes the roll of eligible members on the notice date; `admin.show`
is the meeting as the CLI and the console show it (roll, quorum, agenda);
`notice.notices` gives the notice to every member on the roll and `notice.on_rsvp` records
their replies; `attendance.check_in` (a teller, or /here in chat) and
`attendance.summary` (RSVPs, attendance, quorum live); `motions.open_motion` puts a
resolution to the members present.
Modules: `admin`, `notice`, `attendance`, `motions`.
Uses: `storage.meetings` for the meeting and its roll, `surveys.meetings` for the
meeting file, `surveys.rules` for the society's rules.
"""
