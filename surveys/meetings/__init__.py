"""General meetings as an officer defines them: a TOML file checked into a `Meeting`.

Entry points: `definitions.load_meeting_file` / `parse_meeting` (every problem one
`MeetingError` line naming the file, the key and the reason). Pure: no I/O beyond
reading the file.
Uses: `surveys.toml_reader`, `surveys.rules` (the resolution kinds an agenda item may be).
"""
